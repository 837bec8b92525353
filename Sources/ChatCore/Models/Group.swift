import Foundation

/// A member's role in a group, from most to least powerful.
public enum GroupRole: String, Codable, Sendable, Hashable, CaseIterable {
    case owner
    case admin
    case member

    /// Whether this role may manage the group's invites, join requests, bans and settings.
    public var canManageInvites: Bool { self != .member }
}

/// Who may create a group's invites.
public enum InvitePolicy: String, Codable, Sendable, Hashable, CaseIterable {
    /// Any member (the default).
    case members
    /// The owner and admins only.
    case admins
}

/// A group as one of its members sees it.
public struct Group: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var createdAt: Date
    /// The caller's own role in the group.
    public var role: GroupRole
    public var memberCount: Int
    /// The `seq` of the newest message, or 0 when there is none.
    public var lastSeq: Int64
    /// The group's newest change number (see `GET /groups/:id/changes`), or 0 before the first change.
    public var rev: Int64
    /// The caller's read marker: the `seq` of the last message they have read.
    public var readSeq: Int64
    /// Messages after `readSeq` from other members, not deleted.
    public var unreadCount: Int
    /// Who may create invites.
    public var invitePolicy: InvitePolicy
    /// The group's own retention, in days (`nil`: the server's, if any): older messages are erased.
    public var retentionDays: Int?

    public init(
        id: String,
        name: String,
        createdAt: Date,
        role: GroupRole,
        memberCount: Int,
        lastSeq: Int64,
        rev: Int64 = 0,
        readSeq: Int64 = 0,
        unreadCount: Int = 0,
        invitePolicy: InvitePolicy = .members,
        retentionDays: Int? = nil
    ) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.role = role
        self.memberCount = memberCount
        self.lastSeq = lastSeq
        self.rev = rev
        self.readSeq = readSeq
        self.unreadCount = unreadCount
        self.invitePolicy = invitePolicy
        self.retentionDays = retentionDays
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, createdAt, role, memberCount, lastSeq, rev, readSeq, unreadCount, invitePolicy, retentionDays
    }

    /// Fields added after the first release are optional on input, so that older peers still decode.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.id = try container.decode(String.self, forKey: .id)
        self.name = try container.decode(String.self, forKey: .name)
        self.createdAt = try container.decode(Date.self, forKey: .createdAt)
        self.role = try container.decode(GroupRole.self, forKey: .role)
        self.memberCount = try container.decode(Int.self, forKey: .memberCount)
        self.lastSeq = try container.decode(Int64.self, forKey: .lastSeq)
        self.rev = try container.decodeIfPresent(Int64.self, forKey: .rev) ?? 0
        self.readSeq = try container.decodeIfPresent(Int64.self, forKey: .readSeq) ?? 0
        self.unreadCount = try container.decodeIfPresent(Int.self, forKey: .unreadCount) ?? 0
        self.invitePolicy = try container.decodeIfPresent(InvitePolicy.self, forKey: .invitePolicy) ?? .members
        self.retentionDays = try container.decodeIfPresent(Int.self, forKey: .retentionDays)
    }

    /// The group's own fields, the same for every member.
    public var info: GroupInfo {
        GroupInfo(
            id: self.id,
            name: self.name,
            createdAt: self.createdAt,
            memberCount: self.memberCount,
            invitePolicy: self.invitePolicy,
            retentionDays: self.retentionDays
        )
    }
}

/// One membership, as listed by `GET /groups/:id`.
public struct Member: Codable, Sendable, Hashable {
    public var user: UserSummary
    public var role: GroupRole
    public var joinedAt: Date

    public init(user: UserSummary, role: GroupRole, joinedAt: Date) {
        self.user = user
        self.role = role
        self.joinedAt = joinedAt
    }
}

/// Whether a user has an open connection, and when they last had one.
public struct Presence: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable, Hashable {
        case online
        case offline
    }

    public var status: Status
    /// When the user was last connected: for an online user, when they came online; `nil` if never.
    public var lastSeenAt: Date?

    public init(status: Status, lastSeenAt: Date?) {
        self.status = status
        self.lastSeenAt = lastSeenAt
    }

    private enum CodingKeys: String, CodingKey {
        case status, lastSeenAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.status, forKey: .status)
        try container.encode(self.lastSeenAt, forKey: .lastSeenAt)
    }
}

/// One member as `GET /groups/:id/members` lists them: the membership, the invite it came through, and the
/// user's presence.
public struct MemberPresence: Codable, Sendable, Hashable {
    public var user: UserSummary
    public var role: GroupRole
    public var joinedAt: Date
    /// The invite the member joined through, and who created it; `nil` for the group's creator.
    public var invite: InviteRef?
    public var presence: Presence

    public init(user: UserSummary, role: GroupRole, joinedAt: Date, invite: InviteRef? = nil, presence: Presence) {
        self.user = user
        self.role = role
        self.joinedAt = joinedAt
        self.invite = invite
        self.presence = presence
    }

    private enum CodingKeys: String, CodingKey {
        case user, role, joinedAt, invite, presence
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.user = try container.decode(UserSummary.self, forKey: .user)
        self.role = try container.decode(GroupRole.self, forKey: .role)
        self.joinedAt = try container.decode(Date.self, forKey: .joinedAt)
        self.invite = try container.decodeIfPresent(InviteRef.self, forKey: .invite)
        self.presence = try container.decode(Presence.self, forKey: .presence)
    }

    /// `invite` is written as null for the group's creator.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.user, forKey: .user)
        try container.encode(self.role, forKey: .role)
        try container.encode(self.joinedAt, forKey: .joinedAt)
        try container.encode(self.invite, forKey: .invite)
        try container.encode(self.presence, forKey: .presence)
    }
}

/// `GET /groups/:id/members`: one page of members, oldest membership first.
public struct MemberPage: Codable, Sendable, Hashable {
    public var members: [MemberPresence]
    /// Fetches the next page, or `nil` on the last one.
    public var nextCursor: String?

    public init(members: [MemberPresence], nextCursor: String?) {
        self.members = members
        self.nextCursor = nextCursor
    }

    private enum CodingKeys: String, CodingKey {
        case members, nextCursor
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.members, forKey: .members)
        try container.encode(self.nextCursor, forKey: .nextCursor)
    }
}

/// `GET /groups/:id`: the group's fields plus its members, in one flat object.
public struct GroupDetail: Codable, Sendable, Hashable {
    public var group: Group
    public var members: [Member]
    /// The `seq` of the oldest message still kept (retention erases older ones), or `lastSeq + 1` when none is.
    public var oldestSeq: Int64

    public init(group: Group, members: [Member], oldestSeq: Int64 = 1) {
        self.group = group
        self.members = members
        self.oldestSeq = oldestSeq
    }

    private enum CodingKeys: String, CodingKey {
        case members, oldestSeq
    }

    public init(from decoder: any Decoder) throws {
        self.group = try Group(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.members = try container.decode([Member].self, forKey: .members)
        self.oldestSeq = try container.decodeIfPresent(Int64.self, forKey: .oldestSeq) ?? 1
    }

    public func encode(to encoder: any Encoder) throws {
        try self.group.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.members, forKey: .members)
        try container.encode(self.oldestSeq, forKey: .oldestSeq)
    }
}

/// `POST /groups`.
public struct CreateGroupRequest: Codable, Sendable, Hashable {
    public var name: String

    public init(name: String) {
        self.name = name
    }
}
