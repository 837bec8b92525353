import Foundation

/// A group's own fields, the same for every member: what `group:updated` and the change feed carry.
public struct GroupInfo: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var createdAt: Date
    public var memberCount: Int
    public var invitePolicy: InvitePolicy
    /// The group's own retention in days, or `nil` for the server's.
    public var retentionDays: Int?

    public init(id: String, name: String, createdAt: Date, memberCount: Int, invitePolicy: InvitePolicy, retentionDays: Int? = nil) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.memberCount = memberCount
        self.invitePolicy = invitePolicy
        self.retentionDays = retentionDays
    }
}

/// Why someone is no longer a member.
public enum RemovalReason: String, Codable, Sendable, Hashable, CaseIterable {
    case left
    case kicked
    case banned
    case groupDeleted = "group_deleted"
}

/// The invite a membership or a join request came through, and who created it.
public struct InviteRef: Codable, Sendable, Hashable {
    public var id: String
    public var createdBy: UserSummary

    public init(id: String, createdBy: UserSummary) {
        self.id = id
        self.createdBy = createdBy
    }
}

/// A request to join through an invite that needs approval.
public struct JoinRequest: Codable, Sendable, Hashable, Identifiable {
    public enum Status: String, Codable, Sendable, Hashable {
        case pending
        case approved
        case denied
    }

    public var id: String
    public var groupId: String
    public var status: Status
    /// Who asked.
    public var user: UserSummary
    public var createdAt: Date
    /// The invite it came through.
    public var invite: InviteRef

    public init(id: String, groupId: String, status: Status, user: UserSummary, createdAt: Date, invite: InviteRef) {
        self.id = id
        self.groupId = groupId
        self.status = status
        self.user = user
        self.createdAt = createdAt
        self.invite = invite
    }
}

/// A ban: the user may not join the group again through any invite.
public struct Ban: Codable, Sendable, Hashable {
    public var user: UserSummary
    public var reason: String?
    /// Who banned them; `nil` once that account is gone.
    public var bannedBy: UserSummary?
    public var createdAt: Date

    public init(user: UserSummary, reason: String?, bannedBy: UserSummary?, createdAt: Date) {
        self.user = user
        self.reason = reason
        self.bannedBy = bannedBy
        self.createdAt = createdAt
    }

    private enum CodingKeys: String, CodingKey {
        case user, reason, bannedBy, createdAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.user, forKey: .user)
        try container.encode(self.reason, forKey: .reason)
        try container.encode(self.bannedBy, forKey: .bannedBy)
        try container.encode(self.createdAt, forKey: .createdAt)
    }
}

/// A membership as the change feed reports it: as it now is, or gone, with the rev of its latest change.
public struct MemberChange: Codable, Sendable, Hashable {
    public var rev: Int64
    public var userId: String
    /// The membership, or `nil` when the user is no longer a member.
    public var member: Member?
    /// Why the user is no longer a member, when they are not.
    public var removed: RemovalReason?

    public init(rev: Int64, member: Member) {
        self.rev = rev
        self.userId = member.user.id
        self.member = member
    }

    public init(rev: Int64, userId: String, removed: RemovalReason) {
        self.rev = rev
        self.userId = userId
        self.removed = removed
    }

    private enum CodingKeys: String, CodingKey {
        case rev, userId, user, role, joinedAt, removed, reason
    }

    /// On the wire: `{rev, userId, user, role, joinedAt}`, or `{rev, userId, removed: true, reason}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.rev = try container.decode(Int64.self, forKey: .rev)
        self.userId = try container.decode(String.self, forKey: .userId)
        if try container.decodeIfPresent(Bool.self, forKey: .removed) == true {
            self.removed = try container.decode(RemovalReason.self, forKey: .reason)
        } else {
            self.member = Member(
                user: try container.decode(UserSummary.self, forKey: .user),
                role: try container.decode(GroupRole.self, forKey: .role),
                joinedAt: try container.decode(Date.self, forKey: .joinedAt)
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.rev, forKey: .rev)
        try container.encode(self.userId, forKey: .userId)
        if let member = self.member {
            try container.encode(member.user, forKey: .user)
            try container.encode(member.role, forKey: .role)
            try container.encode(member.joinedAt, forKey: .joinedAt)
        } else {
            try container.encode(true, forKey: .removed)
            try container.encode(self.removed ?? .left, forKey: .reason)
        }
    }
}

/// `PATCH /groups/:id`: the settings to change.
public struct UpdateGroupRequest: Codable, Sendable, Hashable {
    public var name: String?
    public var invitePolicy: InvitePolicy?
    /// Absent: unchanged; `.some(nil)` (JSON `null`): back to the server's retention; `.some(days)`: the group's own.
    public var retentionDays: Int??

    public init(name: String? = nil, invitePolicy: InvitePolicy? = nil, retentionDays: Int?? = .none) {
        self.name = name
        self.invitePolicy = invitePolicy
        self.retentionDays = retentionDays
    }

    private enum CodingKeys: String, CodingKey {
        case name, invitePolicy, retentionDays
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try container.decodeIfPresent(String.self, forKey: .name)
        self.invitePolicy = try container.decodeIfPresent(InvitePolicy.self, forKey: .invitePolicy)
        if container.contains(.retentionDays) {
            self.retentionDays = .some(try container.decodeNil(forKey: .retentionDays) ? nil : try container.decode(Int.self, forKey: .retentionDays))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(self.name, forKey: .name)
        try container.encodeIfPresent(self.invitePolicy, forKey: .invitePolicy)
        if case .some(let days) = self.retentionDays {
            if let days { try container.encode(days, forKey: .retentionDays) } else { try container.encodeNil(forKey: .retentionDays) }
        }
    }
}

/// `PATCH /groups/:id/members/:userId`.
public struct RoleChangeRequest: Codable, Sendable, Hashable {
    public var role: GroupRole

    public init(role: GroupRole) {
        self.role = role
    }
}

/// `POST /groups/:id/transfer`.
public struct TransferRequest: Codable, Sendable, Hashable {
    public var userId: String

    public init(userId: String) {
        self.userId = userId
    }
}

/// `POST /groups/:id/bans`.
public struct BanRequest: Codable, Sendable, Hashable {
    public var userId: String
    public var reason: String?

    public init(userId: String, reason: String? = nil) {
        self.userId = userId
        self.reason = reason
    }
}

/// `GET /groups/:id/requests` and the answers of approve and deny.
public struct JoinRequestResponse: Codable, Sendable, Hashable {
    public var request: JoinRequest

    public init(request: JoinRequest) {
        self.request = request
    }
}
