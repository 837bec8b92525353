import Foundation

/// A member's role in a group, from most to least powerful.
public enum GroupRole: String, Codable, Sendable, Hashable, CaseIterable {
    case owner
    case admin
    case member

    /// Whether this role may manage the group's invites.
    public var canManageInvites: Bool { self != .member }
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

    public init(id: String, name: String, createdAt: Date, role: GroupRole, memberCount: Int, lastSeq: Int64) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.role = role
        self.memberCount = memberCount
        self.lastSeq = lastSeq
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

/// `GET /groups/:id`: the group's fields plus its members, in one flat object.
public struct GroupDetail: Codable, Sendable, Hashable {
    public var group: Group
    public var members: [Member]

    public init(group: Group, members: [Member]) {
        self.group = group
        self.members = members
    }

    private enum CodingKeys: String, CodingKey {
        case members
    }

    public init(from decoder: any Decoder) throws {
        self.group = try Group(from: decoder)
        self.members = try decoder.container(keyedBy: CodingKeys.self).decode([Member].self, forKey: .members)
    }

    public func encode(to encoder: any Encoder) throws {
        try self.group.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.members, forKey: .members)
    }
}

/// `POST /groups`.
public struct CreateGroupRequest: Codable, Sendable, Hashable {
    public var name: String

    public init(name: String) {
        self.name = name
    }
}
