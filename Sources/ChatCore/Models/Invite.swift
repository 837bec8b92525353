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

    public init(
        id: String,
        token: String,
        groupId: String,
        url: String,
        expiresAt: Date,
        maxUses: Int,
        uses: Int,
        createdAt: Date
    ) {
        self.id = id
        self.token = token
        self.groupId = groupId
        self.url = url
        self.expiresAt = expiresAt
        self.maxUses = maxUses
        self.uses = uses
        self.createdAt = createdAt
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

    public init(id: String, groupId: String, createdBy: UserSummary, expiresAt: Date, maxUses: Int, uses: Int, createdAt: Date) {
        self.id = id
        self.groupId = groupId
        self.createdBy = createdBy
        self.expiresAt = expiresAt
        self.maxUses = maxUses
        self.uses = uses
        self.createdAt = createdAt
    }
}

/// `POST /groups/:id/invites`. Both fields are optional: 24 hours and one use by default.
public struct CreateInviteRequest: Codable, Sendable, Hashable {
    public var expiresInHours: Double?
    public var uses: Int?

    public init(expiresInHours: Double? = nil, uses: Int? = nil) {
        self.expiresInHours = expiresInHours
        self.uses = uses
    }
}

/// `POST /invites/:token/accept`.
public struct AcceptInviteResponse: Codable, Sendable, Hashable {
    public var group: Group

    public init(group: Group) {
        self.group = group
    }
}
