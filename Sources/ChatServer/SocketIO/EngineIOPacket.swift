import Foundation

/// One Engine.IO v4 packet: the transport layer under Socket.IO (`EIO=4`).
///
/// On WebSocket a text frame is `<type digit><data>` and a binary frame is an implicit message. In a polling
/// payload, packets are joined by `\u{1E}`, and a binary message is `b` followed by base64.
enum EngineIOPacket: Sendable, Hashable {
    case open(String)
    case close
    case ping(String)
    case pong(String)
    case message(String)
    case binary([UInt8])
    case upgrade
    case noop

    /// The record separator between packets of a polling payload.
    static let separator: Character = "\u{1E}"
    /// The most packets a poll response may carry: python-engineio's client aborts on more.
    static let maxPacketsPerPoll = 16

    /// A malformed packet or payload; the session that sent it is closed.
    struct Malformed: Error, Hashable, CustomStringConvertible {
        let description: String
    }

    /// The text form (a WebSocket text frame, or one element of a polling payload).
    var encoded: String {
        switch self {
        case .open(let json): "0" + json
        case .close: "1"
        case .ping(let data): "2" + data
        case .pong(let data): "3" + data
        case .message(let data): "4" + data
        case .binary(let bytes): "b" + Data(bytes).base64EncodedString()
        case .upgrade: "5"
        case .noop: "6"
        }
    }

    /// Parses one text packet. An empty string, an unknown type or bad base64 is ``Malformed``.
    static func decode(_ text: Substring) throws(Malformed) -> EngineIOPacket {
        guard let first = text.first else { throw Malformed(description: "empty packet") }
        let data = String(text.dropFirst())
        switch first {
        case "0": return .open(data)
        case "1": return .close
        case "2": return .ping(data)
        case "3": return .pong(data)
        case "4": return .message(data)
        case "5": return .upgrade
        case "6": return .noop
        case "b":
            guard let bytes = Data(base64Encoded: data) else { throw Malformed(description: "bad base64 in a binary packet") }
            return .binary(Array(bytes))
        default: throw Malformed(description: "unknown packet type \(first.debugDescription)")
        }
    }

    /// Parses a polling POST body: packets joined by `\u{1E}`. An empty body, or an empty packet, is malformed.
    static func decodePayload(_ body: String) throws(Malformed) -> [EngineIOPacket] {
        guard !body.isEmpty else { throw Malformed(description: "empty payload") }
        var packets: [EngineIOPacket] = []
        for part in body.split(separator: Self.separator, omittingEmptySubsequences: false) {
            packets.append(try Self.decode(part))
        }
        return packets
    }

    /// Splits queued packets into poll responses of at most ``maxPacketsPerPoll`` each, every one non-empty.
    static func encodePayloads(_ packets: [EngineIOPacket]) -> [String] {
        stride(from: 0, to: packets.count, by: Self.maxPacketsPerPoll).map { start in
            packets[start..<min(start + Self.maxPacketsPerPoll, packets.count)].map(\.encoded).joined(separator: String(Self.separator))
        }
    }
}

/// The open packet's JSON: what the client learns at the handshake.
struct EngineIOHandshake: Codable, Sendable, Hashable {
    var sid: String
    var upgrades: [String]
    /// Milliseconds.
    var pingInterval: Int
    /// Milliseconds.
    var pingTimeout: Int
    /// Bytes: the largest payload the server accepts (a POST body, or a WebSocket frame).
    var maxPayload: Int
}
