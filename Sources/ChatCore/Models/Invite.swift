import Foundation

/// A freshly created invite. Its `token` is shown once: the server keeps only a hash of it.
public struct Invite: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var token: String
    public var groupId: String
    /// `PUBLIC_URL/join/TOKEN`: what the QR code carries.
    public var url: String
    public var expiresAt: Date
    public var maxUses: Int
    public var uses: Int
    public var createdAt: Date
    /// Accepting it asks the owner and admins to approve, instead of joining at once.
    public var requireApproval: Bool

    public init(
        id: String,
        token: String,
        groupId: String,
        url: String,
        expiresAt: Date,
        maxUses: Int,
        uses: Int,
        createdAt: Date,
        requireApproval: Bool = false
    ) {
        self.id = id
        self.token = token
        self.groupId = groupId
        self.url = url
        self.expiresAt = expiresAt
        self.maxUses = maxUses
        self.uses = uses
        self.createdAt = createdAt
        self.requireApproval = requireApproval
    }
}

/// A live invite as `GET /groups/:id/invites` lists it, without its token.
public struct InviteSummary: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var groupId: String
    public var createdBy: UserSummary
    public var expiresAt: Date
    public var maxUses: Int
    public var uses: Int
    public var createdAt: Date
    public var requireApproval: Bool
    /// The current members who joined through it.
    public var joinedCount: Int

    public init(
        id: String,
        groupId: String,
        createdBy: UserSummary,
        expiresAt: Date,
        maxUses: Int,
        uses: Int,
        createdAt: Date,
        requireApproval: Bool = false,
        joinedCount: Int = 0
    ) {
        self.id = id
        self.groupId = groupId
        self.createdBy = createdBy
        self.expiresAt = expiresAt
        self.maxUses = maxUses
        self.uses = uses
        self.createdAt = createdAt
        self.requireApproval = requireApproval
        self.joinedCount = joinedCount
    }
}

/// `POST /groups/:id/invites`. Every field is optional: 24 hours, one use and no approval by default.
public struct CreateInviteRequest: Codable, Sendable, Hashable {
    public var expiresInHours: Double?
    public var uses: Int?
    public var requireApproval: Bool?

    public init(expiresInHours: Double? = nil, uses: Int? = nil, requireApproval: Bool? = nil) {
        self.expiresInHours = expiresInHours
        self.uses = uses
        self.requireApproval = requireApproval
    }
}

/// `POST /invites/:token/accept`: the group joined (200), or the request to join that awaits approval (202).
public struct AcceptInviteResponse: Codable, Sendable, Hashable {
    public var group: Group?
    public var request: JoinRequest?

    public init(group: Group) {
        self.group = group
    }

    public init(request: JoinRequest) {
        self.request = request
    }
}
