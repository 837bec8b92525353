import Foundation

/// The errors of an Engine.IO request, as the reference server (Node's engine.io) answers them: status 400 (403
/// for `forbidden`) with `{"code": N, "message": "…"}`.
enum EngineIOError: Int, Error, Sendable, CaseIterable {
    case unknownTransport = 0
    case unknownSession = 1
    case badHandshakeMethod = 2
    case badRequest = 3
    case forbidden = 4
    case unsupportedProtocolVersion = 5

    var message: String {
        switch self {
        case .unknownTransport: "Transport unknown"
        case .unknownSession: "Session ID unknown"
        case .badHandshakeMethod: "Bad handshake method"
        case .badRequest: "Bad request"
        case .forbidden: "Forbidden"
        case .unsupportedProtocolVersion: "Unsupported protocol version"
        }
    }

    /// The HTTP status of the answer.
    var status: Int { self == .forbidden ? 403 : 400 }

    /// The JSON body of the answer.
    var body: String {
        struct Body: Encodable {
            let code: Int
            let message: String
        }
        let data = (try? JSONEncoder().encode(Body(code: self.rawValue, message: self.message))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
