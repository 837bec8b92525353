import ChatCore
import Foundation
import SQLiteNIO

/// The embedded backend: ``ChatRepository`` on a ``SQLiteStore``.
struct SQLiteChatRepository: ChatRepository {
    let store: SQLiteStore

    // MARK: Users

    func insertUser(_ user: User, passwordHash: String?) async throws {
        try await self.store.write { transaction in
            do {
                _ = try await transaction.connection.query(
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
            } catch let error as SQLiteError where error.reason == .constraintUniqueFailed && error.message.contains("email_key") {
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
                "SELECT \(SQLiteSQL.userColumns), password_hash FROM users WHERE email_key = ?",
                [.text(Validation.emailKey(email))]
            )
            return try rows.first.map { StoredCredentials(user: try SQLiteSQL.user($0), passwordHash: try $0.text("password_hash")) }
        }
    }

    // MARK: Groups

    func createGroup(id: String, name: String, owner: String, at date: Date) async throws -> Group {
        try await self.store.write { transaction in
            _ = try await transaction.connection.query(
                "INSERT INTO groups (id, name, created_by, created_at, last_seq, last_activity_at) VALUES (?, ?, ?, ?, 0, ?)",
                [.text(id), .text(name), .text(owner), .date(date), .date(date)]
            )
            _ = try await transaction.connection.query(
                "INSERT INTO memberships (group_id, user_id, role, joined_at) VALUES (?, ?, 'owner', ?)",
                [.text(id), .text(owner), .date(date)]
            )
            guard let user = try await SQLiteSQL.user(id: owner, on: transaction.connection) else { throw ChatError.invalidToken }
            transaction.emit(.memberJoined(groupID: id, user: user.summary, role: .owner))
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

    // MARK: Invites

    func insertInvite(_ invite: NewInvite) async throws {
        try await self.store.write { transaction in
            _ = try await transaction.connection.query(
                """
                INSERT INTO invites (id, group_id, token_hash, created_by, created_at, expires_at, max_uses, uses)
                VALUES (?, ?, ?, ?, ?, ?, ?, 0)
                """,
                [
                    .text(invite.id), .text(invite.groupID), .bytes(invite.tokenHash), .text(invite.createdBy),
                    .date(invite.createdAt), .date(invite.expiresAt), .integer(invite.maxUses),
                ]
            )
        }
    }

    func liveInvites(of groupID: String, at date: Date) async throws -> [InviteSummary] {
        try await self.store.read { connection in
            try await connection.rows(
                """
                SELECT i.id, i.created_by, u.display_name, i.created_at, i.expires_at, i.max_uses, i.uses
                FROM invites i JOIN users u ON u.id = i.created_by
                WHERE i.group_id = ? AND i.revoked_at IS NULL AND i.expires_at > ? AND i.uses < i.max_uses
                ORDER BY i.created_at DESC, i.id DESC
                """,
                [.text(groupID), .date(date)]
            ).map { row in
                InviteSummary(
                    id: try row.text("id"),
                    groupId: groupID,
                    createdBy: UserSummary(id: try row.text("created_by"), displayName: try row.text("display_name")),
                    expiresAt: try row.date("expires_at"),
                    maxUses: try row.int("max_uses"),
                    uses: try row.int("uses"),
                    createdAt: try row.date("created_at")
                )
            }
        }
    }

    func revokeInvite(id: String, of groupID: String, at date: Date) async throws -> Bool {
        try await self.store.write { transaction in
            let rows = try await transaction.connection.rows(
                "UPDATE invites SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND group_id = ? RETURNING id",
                [.date(date), .text(id), .text(groupID)]
            )
            return !rows.isEmpty
        }
    }

    func invitePreview(tokenHash: [UInt8]) async throws -> InvitePreview? {
        try await self.store.read { connection in
            try await connection.rows(
                """
                SELECT g.name, i.expires_at, i.max_uses, i.uses, i.revoked_at,
                    (SELECT count(*) FROM memberships m WHERE m.group_id = g.id) AS member_count
                FROM invites i JOIN groups g ON g.id = i.group_id WHERE i.token_hash = ?
                """,
                [.bytes(tokenHash)]
            ).first.map { row in
                InvitePreview(
                    groupName: try row.text("name"),
                    memberCount: try row.int("member_count"),
                    expiresAt: try row.date("expires_at"),
                    maxUses: try row.int("max_uses"),
                    uses: try row.int("uses"),
                    revoked: row.column("revoked_at")?.isNull == false
                )
            }
        }
    }

    func acceptInvite(tokenHash: [UInt8], userID: String, at date: Date) async throws -> InviteAcceptance {
        try await self.store.write { transaction in
            let connection = transaction.connection
            guard
                let invite = try await connection.rows(
                    "SELECT id, group_id, expires_at, max_uses, uses FROM invites WHERE token_hash = ? AND revoked_at IS NULL",
                    [.bytes(tokenHash)]
                ).first
            else { throw ChatError.inviteNotFound }
            let inviteID = try invite.text("id")
            let groupID = try invite.text("group_id")
            if let group = try await SQLiteSQL.group(id: groupID, as: userID, on: connection) {
                return .alreadyMember(group)
            }
            guard try invite.date("expires_at") > date else { throw ChatError.inviteExpired }
            let consumed = try await connection.rows(
                "UPDATE invites SET uses = uses + 1 WHERE id = ? AND uses < max_uses RETURNING uses",
                [.text(inviteID)]
            )
            guard !consumed.isEmpty else { throw ChatError.inviteUsedUp }
            _ = try await connection.query(
                "INSERT INTO memberships (group_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)",
                [.text(groupID), .text(userID), .date(date)]
            )
            guard let group = try await SQLiteSQL.group(id: groupID, as: userID, on: connection),
                let user = try await SQLiteSQL.user(id: userID, on: connection)
            else { throw ChatError.internal() }
            transaction.emit(.memberJoined(groupID: groupID, user: user.summary, role: .member))
            return .joined(group)
        }
    }
}
