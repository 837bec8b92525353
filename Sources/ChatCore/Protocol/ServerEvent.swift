import Foundation

/// A frame the server sends over `GET /ws`: `{"type": "...", "data": {...}}`.
public enum ServerEvent: Sendable, Hashable {
    /// The first frame of every connection.
    case ready(Ready)
    /// A new message in one of the user's groups, the user's own included.
    case messageNew(Message)
    /// A message after an edit, a deletion or a reaction change: clients replace it by `id`.
    case messageUpdated(Message)
    /// The user's read marker in a group moved (on this connection or another).
    case read(Read)
    /// A co-member came online or went offline.
    case presence(PresenceChange)
    /// Someone joined one of the user's groups; the joiner receives it too.
    case memberJoined(MemberJoined)
    /// Someone left or was removed (the removed user receives it too, and then nothing more of the group).
    case memberRemoved(MemberRemoved)
    /// A member's role changed (a new admin, or an ownership transfer).
    case memberUpdated(MemberUpdated)
    /// The group's settings changed.
    case groupUpdated(GroupUpdated)
    /// Someone asked to join through an invite that needs approval: for the owner and admins.
    case joinRequested(JoinRequested)
    /// The user's request to join was denied.
    case joinDenied(JoinDenied)
    /// Another member is typing.
    case typing(Typing)
    /// The answer to `room:join`.
    case roomJoined(RoomJoined)
    /// The answer to `message:send`, once the message is durably stored.
    case messageAck(MessageAck)
    /// A request failed, or a frame could not be understood.
    case error(EventError)
    /// An event this version does not know; clients ignore it.
    case unknown(type: String)

    /// The `type` string on the wire.
    public var type: String {
        switch self {
        case .ready: "ready"
        case .messageNew: "message:new"
        case .messageUpdated: "message:updated"
        case .read: "read"
        case .presence: "presence"
        case .memberJoined: "member:joined"
        case .memberRemoved: "member:removed"
        case .memberUpdated: "member:updated"
        case .groupUpdated: "group:updated"
        case .joinRequested: "join:requested"
        case .joinDenied: "join:denied"
        case .typing: "typing"
        case .roomJoined: "room:joined"
        case .messageAck: "message:ack"
        case .error: "error"
        case .unknown(let type): type
        }
    }
}

extension ServerEvent: Codable {
    private enum CodingKeys: String, CodingKey {
        case type, data
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "ready": self = .ready(try container.decode(Ready.self, forKey: .data))
        case "message:new": self = .messageNew(try container.decode(Message.self, forKey: .data))
        case "message:updated": self = .messageUpdated(try container.decode(Message.self, forKey: .data))
        case "read": self = .read(try container.decode(Read.self, forKey: .data))
        case "presence": self = .presence(try container.decode(PresenceChange.self, forKey: .data))
        case "member:joined": self = .memberJoined(try container.decode(MemberJoined.self, forKey: .data))
        case "member:removed": self = .memberRemoved(try container.decode(MemberRemoved.self, forKey: .data))
        case "member:updated": self = .memberUpdated(try container.decode(MemberUpdated.self, forKey: .data))
        case "group:updated": self = .groupUpdated(try container.decode(GroupUpdated.self, forKey: .data))
        case "join:requested": self = .joinRequested(try container.decode(JoinRequested.self, forKey: .data))
        case "join:denied": self = .joinDenied(try container.decode(JoinDenied.self, forKey: .data))
        case "typing": self = .typing(try container.decode(Typing.self, forKey: .data))
        case "room:joined": self = .roomJoined(try container.decode(RoomJoined.self, forKey: .data))
        case "message:ack": self = .messageAck(try container.decode(MessageAck.self, forKey: .data))
        case "error": self = .error(try container.decode(EventError.self, forKey: .data))
        default: self = .unknown(type: type)
        }
    }

    /// The event's `data` alone, as JSON: what other transports (Socket.IO's `["name", data]`) carry beside the
    /// name, encoded once for all their recipients.
    public func encodedData(with encoder: JSONEncoder) throws -> Data {
        switch self {
        case .ready(let data): try encoder.encode(data)
        case .messageNew(let data), .messageUpdated(let data): try encoder.encode(data)
        case .read(let data): try encoder.encode(data)
        case .presence(let data): try encoder.encode(data)
        case .memberJoined(let data): try encoder.encode(data)
        case .memberRemoved(let data): try encoder.encode(data)
        case .memberUpdated(let data): try encoder.encode(data)
        case .groupUpdated(let data): try encoder.encode(data)
        case .joinRequested(let data): try encoder.encode(data)
        case .joinDenied(let data): try encoder.encode(data)
        case .typing(let data): try encoder.encode(data)
        case .roomJoined(let data): try encoder.encode(data)
        case .messageAck(let data): try encoder.encode(data)
        case .error(let data): try encoder.encode(data)
        case .unknown: try encoder.encode([String: String]())
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.type, forKey: .type)
        switch self {
        case .ready(let data): try container.encode(data, forKey: .data)
        case .messageNew(let data), .messageUpdated(let data): try container.encode(data, forKey: .data)
        case .read(let data): try container.encode(data, forKey: .data)
        case .presence(let data): try container.encode(data, forKey: .data)
        case .memberJoined(let data): try container.encode(data, forKey: .data)
        case .memberRemoved(let data): try container.encode(data, forKey: .data)
        case .memberUpdated(let data): try container.encode(data, forKey: .data)
        case .groupUpdated(let data): try container.encode(data, forKey: .data)
        case .joinRequested(let data): try container.encode(data, forKey: .data)
        case .joinDenied(let data): try container.encode(data, forKey: .data)
        case .typing(let data): try container.encode(data, forKey: .data)
        case .roomJoined(let data): try container.encode(data, forKey: .data)
        case .messageAck(let data): try container.encode(data, forKey: .data)
        case .error(let data): try container.encode(data, forKey: .data)
        case .unknown: try container.encode([String: String](), forKey: .data)
        }
    }
}
