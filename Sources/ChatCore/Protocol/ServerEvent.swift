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
        case .typing: "typing"
        case .roomJoined: "room:joined"
        case .messageAck: "message:ack"
        case .error: "error"
        case .unknown(let type): type
        }
    }

    /// `ready`: who the connection belongs to, and where each of their groups stands.
    public struct Ready: Codable, Sendable, Hashable {
        public var user: User
        public var groups: [GroupCursor]

        public init(user: User, groups: [GroupCursor]) {
            self.user = user
            self.groups = groups
        }
    }

    /// Where a group stands: its newest `seq` and `rev`, and the user's read marker and unread count.
    public struct GroupCursor: Codable, Sendable, Hashable {
        public var id: String
        public var lastSeq: Int64
        public var rev: Int64
        public var readSeq: Int64
        public var unreadCount: Int

        public init(id: String, lastSeq: Int64, rev: Int64 = 0, readSeq: Int64 = 0, unreadCount: Int = 0) {
            self.id = id
            self.lastSeq = lastSeq
            self.rev = rev
            self.readSeq = readSeq
            self.unreadCount = unreadCount
        }

        /// The cursor of a group as `GET /groups` returns it.
        public init(_ group: Group) {
            self.init(id: group.id, lastSeq: group.lastSeq, rev: group.rev, readSeq: group.readSeq, unreadCount: group.unreadCount)
        }

        private enum CodingKeys: String, CodingKey {
            case id, lastSeq, rev, readSeq, unreadCount
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.id = try container.decode(String.self, forKey: .id)
            self.lastSeq = try container.decode(Int64.self, forKey: .lastSeq)
            self.rev = try container.decodeIfPresent(Int64.self, forKey: .rev) ?? 0
            self.readSeq = try container.decodeIfPresent(Int64.self, forKey: .readSeq) ?? 0
            self.unreadCount = try container.decodeIfPresent(Int.self, forKey: .unreadCount) ?? 0
        }
    }

    /// `read`: the user's read marker in a group is now `seq`.
    public struct Read: Codable, Sendable, Hashable {
        public var groupId: String
        public var seq: Int64

        public init(groupId: String, seq: Int64) {
            self.groupId = groupId
            self.seq = seq
        }
    }

    /// `presence`: a user's new status.
    public struct PresenceChange: Codable, Sendable, Hashable {
        public var userId: String
        public var status: Presence.Status
        public var lastSeenAt: Date?

        public init(userId: String, status: Presence.Status, lastSeenAt: Date?) {
            self.userId = userId
            self.status = status
            self.lastSeenAt = lastSeenAt
        }

        /// The presence it reports.
        public var presence: Presence { Presence(status: self.status, lastSeenAt: self.lastSeenAt) }

        private enum CodingKeys: String, CodingKey {
            case userId, status, lastSeenAt
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.userId, forKey: .userId)
            try container.encode(self.status, forKey: .status)
            try container.encode(self.lastSeenAt, forKey: .lastSeenAt)
        }
    }

    /// `member:joined`.
    public struct MemberJoined: Codable, Sendable, Hashable {
        public var groupId: String
        public var user: UserSummary
        public var role: GroupRole

        public init(groupId: String, user: UserSummary, role: GroupRole) {
            self.groupId = groupId
            self.user = user
            self.role = role
        }
    }

    /// `typing`.
    public struct Typing: Codable, Sendable, Hashable {
        public var groupId: String
        public var user: UserSummary

        public init(groupId: String, user: UserSummary) {
            self.groupId = groupId
            self.user = user
        }
    }

    /// `room:joined`.
    public struct RoomJoined: Codable, Sendable, Hashable {
        public var groupId: String

        public init(groupId: String) {
            self.groupId = groupId
        }
    }

    /// `message:ack`.
    public struct MessageAck: Codable, Sendable, Hashable {
        public var clientId: String
        public var message: Message

        public init(clientId: String, message: Message) {
            self.clientId = clientId
            self.message = message
        }
    }

    /// `error`, with the `clientId` of the send it answers, if any.
    public struct EventError: Codable, Sendable, Hashable {
        public var code: String
        public var message: String
        public var clientId: String?

        public init(code: String, message: String, clientId: String? = nil) {
            self.code = code
            self.message = message
            self.clientId = clientId
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
        case "typing": self = .typing(try container.decode(Typing.self, forKey: .data))
        case "room:joined": self = .roomJoined(try container.decode(RoomJoined.self, forKey: .data))
        case "message:ack": self = .messageAck(try container.decode(MessageAck.self, forKey: .data))
        case "error": self = .error(try container.decode(EventError.self, forKey: .data))
        default: self = .unknown(type: type)
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
        case .typing(let data): try container.encode(data, forKey: .data)
        case .roomJoined(let data): try container.encode(data, forKey: .data)
        case .messageAck(let data): try container.encode(data, forKey: .data)
        case .error(let data): try container.encode(data, forKey: .data)
        case .unknown: try container.encode([String: String](), forKey: .data)
        }
    }
}
