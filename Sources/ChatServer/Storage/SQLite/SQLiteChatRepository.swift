import ChatCore
import ChatSQLite
import Foundation
import SQLiteNIO

/// The embedded backend: ``ChatRepository`` on a ``SQLiteStore``.
struct SQLiteChatRepository: ChatRepository {
    let store: SQLiteStore

    // MARK: Users

    func insertUser(_ user: User, passwordHash: String?) async throws {
        try await self.store.write { transaction in
            do {
                try await transaction.connection.execute(
                    """
                    INSERT INTO users (id, display_name, email, email_key, password_hash, is_guest, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(user.id), .text(user.displayName), .optionalText(user.email),
                        .optionalText(user.email.map(Validation.emailKey)), .optionalText(passwordHash),
                        .integer(user.isGuest ? 1 : 0), .date(user.createdAt),
                    ]
                )
            } catch let error as NativeSQLiteError where error.isUniqueViolation && error.message.contains("email_key") {
                throw ChatError.emailTaken
            }
        }
    }

    func user(id: String) async throws -> User? {
        try await self.store.read { connection in try await SQLiteSQL.user(id: id, on: connection) }
    }

    func credentials(email: String) async throws -> StoredCredentials? {
        try await self.store.read { connection in
            let rows = try await connection.rows(
                "SELECT \(SQLiteSQL.userColumns), password_hash, token_version, disabled_at FROM users WHERE email_key = ? AND deleted_at IS NULL",
                [.text(Validation.emailKey(email))]
            )
            return try rows.first.map {
                StoredCredentials(
                    user: try SQLiteSQL.user($0),
                    passwordHash: try $0.text("password_hash"),
                    tokenVersion: Int64(try $0.int("token_version")),
                    disabled: $0.optionalInt("disabled_at") != nil
                )
            }
        }
    }

    // MARK: Groups

    func createGroup(id: String, name: String, owner: String, at date: Date) async throws -> Group {
        try await self.store.write { transaction in
            try await transaction.connection.execute(
                "INSERT INTO groups (id, name, created_by, created_at, last_seq, last_activity_at) VALUES (?, ?, ?, ?, 0, ?)",
                [.text(id), .text(name), .text(owner), .date(date), .date(date)]
            )
            try await transaction.connection.execute(
                "INSERT INTO memberships (group_id, user_id, role, joined_at) VALUES (?, ?, 'owner', ?)",
                [.text(id), .text(owner), .date(date)]
            )
            guard let user = try await SQLiteSQL.user(id: owner, on: transaction.connection) else { throw ChatError.invalidToken }
            transaction.emit(.memberJoined(groupID: id, user: user.summary, role: .owner, rev: 0))
            return Group(id: id, name: name, createdAt: date, role: .owner, memberCount: 1, lastSeq: 0)
        }
    }

    func groups(of userID: String) async throws -> [Group] {
        try await self.store.read { connection in
            try await connection.rows("\(SQLiteSQL.groupSelect) ORDER BY g.last_activity_at DESC, g.id DESC", [.text(userID)])
                .map(SQLiteSQL.group)
        }
    }

    func group(id: String, as userID: String) async throws -> Group? {
        try await self.store.read { connection in
            try await SQLiteSQL.group(id: id, as: userID, on: connection)
        }
    }

    func role(of userID: String, in groupID: String) async throws -> GroupRole? {
        try await self.store.read { connection in try await SQLiteSQL.role(of: userID, in: groupID, on: connection) }
    }

    func members(of groupID: String) async throws -> [Member] {
        try await self.store.read { connection in
            try await connection.rows(
                """
                SELECT m.user_id, u.display_name, m.role, m.joined_at FROM memberships m JOIN users u ON u.id = m.user_id
                WHERE m.group_id = ? ORDER BY m.joined_at, m.user_id
                """,
                [.text(groupID)]
            ).map { row in
                Member(
                    user: UserSummary(id: try row.text("user_id"), displayName: try row.text("display_name")),
                    role: try row.role("role"),
                    joinedAt: try row.date("joined_at")
                )
            }
        }
    }
}
