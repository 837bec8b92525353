import ChatCore
import Foundation

/// An account as the operator sees it: never its password hash.
package struct AdminUser: Codable, Sendable, Equatable {
    package var id: String
    package var displayName: String
    package var email: String?
    package var isGuest: Bool
    package var createdAt: Date
    package var lastSeenAt: Date?
    package var disabledAt: Date?
    package var deletedAt: Date?
    /// Groups the account is a member of.
    package var groups: Int
    /// Messages it sent that are not deleted; filled by `users show` only (it counts them).
    package var messages: Int?
}

/// A group as the operator sees it.
package struct AdminGroup: Codable, Sendable, Equatable {
    package var id: String
    package var name: String
    package var createdBy: String
    package var createdAt: Date
    package var lastActivityAt: Date
    package var members: Int
    /// Messages stored (not deleted, not yet erased by retention).
    package var messages: Int
    /// The newest `seq`: every message ever sent to the group.
    package var lastSeq: Int64
    package var retentionDays: Int?
    /// Owners and admins, filled by `groups show` only.
    package var moderators: [AdminMember]?
}

/// An owner or admin of a group.
package struct AdminMember: Codable, Sendable, Equatable {
    package var userID: String
    package var displayName: String
    package var role: String
}

/// Counts for `admin stats`.
package struct AdminStats: Codable, Sendable, Equatable {
    package var users: Int
    package var guests: Int
    package var disabledUsers: Int
    package var deletedUsers: Int
    package var groups: Int
    package var messages: Int
    /// The database's size on disk (SQLite: the file and its WAL; PostgreSQL: `pg_database_size`).
    package var databaseBytes: Int64
}

/// What `chat-server admin` reads, on either backend. Writes go through ``ChatRepository`` (``ChatRepository/setDisabled(_:_:at:)``,
/// ``ChatRepository/endSessions(of:passwordHash:)``), so that they are announced to running servers as the API's are.
package protocol AdminRepository: ChatRepository {
    /// Accounts, oldest first, after `cursor` (an id), at most `limit`.
    func adminUsers(after cursor: String?, limit: Int) async throws -> [AdminUser]
    /// One account by id, or by email (any case).
    func adminUser(idOrEmail: String) async throws -> AdminUser?
    /// Groups, oldest first, after `cursor` (an id), at most `limit`.
    func adminGroups(after cursor: String?, limit: Int) async throws -> [AdminGroup]
    func adminGroup(id: String) async throws -> AdminGroup?
    func adminStats() async throws -> AdminStats
}
