import Foundation

/// A person who can chat: a guest, or an account with an email address.
public struct User: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var displayName: String
    /// The email address of an account, or `nil` for a guest.
    public var email: String?
    public var isGuest: Bool
    public var createdAt: Date

    public init(id: String, displayName: String, email: String?, isGuest: Bool, createdAt: Date) {
        self.id = id
        self.displayName = displayName
        self.email = email
        self.isGuest = isGuest
        self.createdAt = createdAt
    }

    /// The public part of the user that other members see.
    public var summary: UserSummary { UserSummary(id: self.id, displayName: self.displayName) }

    /// The name a deleted account's messages and past memberships show.
    public static let deletedName = "Deleted user"

    private enum CodingKeys: String, CodingKey {
        case id, displayName, email, isGuest, createdAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.id, forKey: .id)
        try container.encode(self.displayName, forKey: .displayName)
        try container.encode(self.email, forKey: .email)
        try container.encode(self.isGuest, forKey: .isGuest)
        try container.encode(self.createdAt, forKey: .createdAt)
    }
}

/// The part of a user shown beside their messages and in member lists.
public struct UserSummary: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var displayName: String

    public init(id: String, displayName: String) {
        self.id = id
        self.displayName = displayName
    }
}

/// The answer to a successful sign-in: a bearer token and the user it stands for.
public struct AuthResponse: Codable, Sendable, Hashable {
    public var token: String
    public var user: User

    public init(token: String, user: User) {
        self.token = token
        self.user = user
    }
}

/// `POST /auth/guest`.
public struct GuestRequest: Codable, Sendable, Hashable {
    public var displayName: String?

    public init(displayName: String? = nil) {
        self.displayName = displayName
    }
}

/// `POST /auth/register`.
public struct RegisterRequest: Codable, Sendable, Hashable {
    public var email: String
    public var password: String
    public var displayName: String

    public init(email: String, password: String, displayName: String) {
        self.email = email
        self.password = password
        self.displayName = displayName
    }
}

/// `POST /auth/login`.
public struct LoginRequest: Codable, Sendable, Hashable {
    public var email: String
    public var password: String

    public init(email: String, password: String) {
        self.email = email
        self.password = password
    }
}

/// `DELETE /me`: an account with an email confirms with its password; a guest account sends nothing.
public struct DeleteAccountRequest: Codable, Sendable, Hashable {
    public var password: String?

    public init(password: String? = nil) {
        self.password = password
    }
}

/// `POST /me/password`.
public struct ChangePasswordRequest: Codable, Sendable, Hashable {
    public var currentPassword: String
    public var newPassword: String

    public init(currentPassword: String, newPassword: String) {
        self.currentPassword = currentPassword
        self.newPassword = newPassword
    }
}
