import Foundation

/// The data of each server event.
extension ServerEvent {
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

    /// `member:joined`, with the group's change number of the join (0 for a group's creation).
    public struct MemberJoined: Codable, Sendable, Hashable {
        public var groupId: String
        public var user: UserSummary
        public var role: GroupRole
        public var rev: Int64

        public init(groupId: String, user: UserSummary, role: GroupRole, rev: Int64 = 0) {
            self.groupId = groupId
            self.user = user
            self.role = role
            self.rev = rev
        }

        private enum CodingKeys: String, CodingKey {
            case groupId, user, role, rev
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.groupId = try container.decode(String.self, forKey: .groupId)
            self.user = try container.decode(UserSummary.self, forKey: .user)
            self.role = try container.decode(GroupRole.self, forKey: .role)
            self.rev = try container.decodeIfPresent(Int64.self, forKey: .rev) ?? 0
        }
    }

    /// `member:removed`.
    public struct MemberRemoved: Codable, Sendable, Hashable {
        public var groupId: String
        public var userId: String
        public var reason: RemovalReason
        public var rev: Int64

        public init(groupId: String, userId: String, reason: RemovalReason, rev: Int64) {
            self.groupId = groupId
            self.userId = userId
            self.reason = reason
            self.rev = rev
        }
    }

    /// `member:updated`.
    public struct MemberUpdated: Codable, Sendable, Hashable {
        public var groupId: String
        public var userId: String
        public var role: GroupRole
        public var rev: Int64

        public init(groupId: String, userId: String, role: GroupRole, rev: Int64) {
            self.groupId = groupId
            self.userId = userId
            self.role = role
            self.rev = rev
        }
    }

    /// `group:updated`.
    public struct GroupUpdated: Codable, Sendable, Hashable {
        public var group: GroupInfo
        public var rev: Int64

        public init(group: GroupInfo, rev: Int64) {
            self.group = group
            self.rev = rev
        }
    }

    /// `join:requested`.
    public struct JoinRequested: Codable, Sendable, Hashable {
        public var groupId: String
        public var request: JoinRequest

        public init(groupId: String, request: JoinRequest) {
            self.groupId = groupId
            self.request = request
        }
    }

    /// `join:denied`.
    public struct JoinDenied: Codable, Sendable, Hashable {
        public var groupId: String
        public var requestId: String

        public init(groupId: String, requestId: String) {
            self.groupId = groupId
            self.requestId = requestId
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
