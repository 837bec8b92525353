import Foundation

/// One Socket.IO protocol v5 packet (what the v4 client libraries speak), carried in an Engine.IO message:
/// `<type>[<attachments>-][<namespace>,][<ack id>][<JSON>]`. JSON stays as text here; the layer above decodes
/// the arguments it knows into typed values.
struct SocketIOPacket: Sendable, Hashable {
    enum Kind: Int, Sendable, Hashable {
        case connect = 0
        case disconnect = 1
        case event = 2
        case ack = 3
        case connectError = 4
        case binaryEvent = 5
        case binaryAck = 6
    }

    var kind: Kind
    /// `/` (the default, never written on the wire) or another namespace such as `/admin`.
    var namespace: String = "/"
    /// For binary packets: how many attachments follow.
    var attachments: Int? = nil
    /// The acknowledgement id: a client that sends one asks for an `ack` with it (`0` is valid).
    var ackID: Int? = nil
    /// The JSON payload as text, or `nil` when there is none.
    var json: String? = nil

    /// A packet that breaks the protocol; the connection that sent it is closed.
    struct Malformed: Error, Hashable, CustomStringConvertible {
        let description: String
    }

    /// Event names the client libraries reserve: a server must not emit them.
    static let reservedEventNames: Set<String> = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]

    var encoded: String {
        var text = String(self.kind.rawValue)
        if let attachments = self.attachments { text += "\(attachments)-" }
        if self.namespace != "/" { text += self.namespace + "," }
        if let ackID = self.ackID { text += String(ackID) }
        if let json = self.json { text += json }
        return text
    }

    /// Parses and checks a packet as the reference parser does: an unknown type, a bad ack id, a payload that is not
    /// JSON, or one of the wrong shape for its type (`42{}`, an ACK without an id or an array) is ``Malformed``.
    static func decode(_ text: String) throws(Malformed) -> SocketIOPacket {
        var rest = Substring(text)
        guard let digit = rest.first?.wholeNumberValue, let kind = Kind(rawValue: digit), rest.first?.isASCII == true else {
            throw Malformed(description: "unknown packet type")
        }
        rest = rest.dropFirst()
        var packet = SocketIOPacket(kind: kind)
        if kind == .binaryEvent || kind == .binaryAck {
            guard let dash = rest.firstIndex(of: "-"), let count = Int(rest[..<dash]), count >= 0, rest[..<dash].allSatisfy(\.isASCII) else {
                throw Malformed(description: "a binary packet needs its attachment count")
            }
            packet.attachments = count
            rest = rest[rest.index(after: dash)...]
        }
        if rest.first == "/" {
            let end = rest.firstIndex(of: ",") ?? rest.endIndex
            packet.namespace = String(rest[..<end])
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
        }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty {
            guard digits.count <= 15, let id = Int(digits) else { throw Malformed(description: "bad ack id") }
            packet.ackID = id
            rest = rest.dropFirst(digits.count)
        }
        if !rest.isEmpty {
            packet.json = String(rest)
        }
        try packet.check()
        return packet
    }

    /// The payload's shape for the packet's type.
    private func check() throws(Malformed) {
        let value: Any?
        if let json = self.json {
            guard let parsed = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]) else {
                throw Malformed(description: "the payload is not JSON")
            }
            value = parsed
        } else {
            value = nil
        }
        switch self.kind {
        case .connect:
            guard value == nil || value is [String: Any] else { throw Malformed(description: "CONNECT data must be an object") }
        case .disconnect:
            guard value == nil else { throw Malformed(description: "DISCONNECT carries no data") }
        case .event, .binaryEvent:
            guard let array = value as? [Any], let name = array.first as? String, !name.isEmpty else {
                throw Malformed(description: "an EVENT is an array that starts with its name")
            }
        case .ack, .binaryAck:
            guard self.ackID != nil, value is [Any] else { throw Malformed(description: "an ACK needs an id and an array") }
        case .connectError:
            guard value is [String: Any] || value is String else { throw Malformed(description: "CONNECT_ERROR data must be an object") }
        }
    }

    /// For an EVENT: its name and each argument as JSON text.
    func eventArguments() -> (name: String, arguments: [String])? {
        guard self.kind == .event, let json = self.json,
            let array = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]) as? [Any],
            let name = array.first as? String
        else { return nil }
        let arguments = array.dropFirst().compactMap { element -> String? in
            guard let data = try? JSONSerialization.data(withJSONObject: element, options: [.fragmentsAllowed, .withoutEscapingSlashes]) else {
                return nil
            }
            return String(decoding: data, as: UTF8.self)
        }
        return (name, arguments)
    }

    /// An EVENT whose arguments are already JSON: `42["name",arg,…]`, with an ack id when given.
    static func event(_ name: String, arguments: [String], ackID: Int? = nil, namespace: String = "/") -> SocketIOPacket {
        SocketIOPacket(
            kind: .event,
            namespace: namespace,
            ackID: ackID,
            json: "[" + ([Self.jsonString(name)] + arguments).joined(separator: ",") + "]"
        )
    }

    /// The answer to an ack id: `43<id>[arg,…]`.
    static func ack(_ id: Int, arguments: [String], namespace: String = "/") -> SocketIOPacket {
        SocketIOPacket(kind: .ack, namespace: namespace, ackID: id, json: "[" + arguments.joined(separator: ",") + "]")
    }

    /// A refused CONNECT: `44{"message":…}`.
    static func connectError(_ message: String, namespace: String = "/") -> SocketIOPacket {
        struct Body: Encodable { let message: String }
        let json = String(decoding: (try? JSONEncoder().encode(Body(message: message))) ?? Data("{}".utf8), as: UTF8.self)
        return SocketIOPacket(kind: .connectError, namespace: namespace, json: json)
    }

    /// `text` as a JSON string literal.
    static func jsonString(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}
