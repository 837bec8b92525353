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
        try await self.store.read { connection in
            try await connection.rows("SELECT \(SQLiteSQL.userColumns) FROM users WHERE id = ?", [.text(id)]).first.map(SQLiteSQL.user)
        }
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
            guard
                let user = try await transaction.connection.rows("SELECT \(SQLiteSQL.userColumns) FROM users WHERE id = ?", [.text(owner)])
                    .first.map(SQLiteSQL.user)
            else { throw ChatError.invalidToken }
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
        try await self.store.read { connection in
            try await connection.rows("SELECT role FROM memberships WHERE group_id = ? AND user_id = ?", [.text(groupID), .text(userID)])
                .first?.role("role")
        }
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
                let user = try await connection.rows("SELECT \(SQLiteSQL.userColumns) FROM users WHERE id = ?", [.text(userID)])
                    .first.map(SQLiteSQL.user)
            else { throw ChatError.internal() }
            transaction.emit(.memberJoined(groupID: groupID, user: user.summary, role: .member))
            return .joined(group)
        }
    }

    // MARK: Messages

    /// Two statements on the common path, with no savepoint of its own: the `seq` is taken (with the membership
    /// check and the sender's name) and the row inserted. A failed insert gives the `seq` back, so the write leaves
    /// nothing behind; a `clientId` already used is then answered with the original message.
    func appendMessage(_ draft: MessageDraft) async throws -> MessageAppend {
        try await self.submitMessage(draft).value
    }

    /// Writes are queued on the one writer connection in the order they are submitted.
    var queuesWritesInOrder: Bool { true }

    func submitMessage(_ draft: MessageDraft) -> PendingWrite<MessageAppend> {
        self.store.submitWrite(selfContained: true) { transaction in
            let connection = transaction.connection
            guard
                let taken = try await connection.rows(
                    """
                    UPDATE groups SET last_seq = last_seq + 1, last_activity_at = max(last_activity_at, ?)
                    WHERE id = ? AND EXISTS (SELECT 1 FROM memberships WHERE group_id = ? AND user_id = ?)
                    RETURNING last_seq, (SELECT display_name FROM users WHERE id = ?) AS display_name
                    """,
                    [.date(draft.createdAt), .text(draft.groupID), .text(draft.groupID), .text(draft.senderID), .text(draft.senderID)]
                ).first
            else { throw ChatError.groupNotFound }
            let seq = try taken.int("last_seq")
            do {
                _ = try await connection.query(
                    "INSERT INTO messages (group_id, seq, id, sender_id, text, client_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        .text(draft.groupID), .integer(seq), .text(draft.id), .text(draft.senderID), .text(draft.text),
                        .optionalText(draft.clientID), .date(draft.createdAt),
                    ]
                )
            } catch {
                // Give the seq back, so that it stays gapless (no write of the batch ran in between).
                do {
                    _ = try await connection.query("UPDATE groups SET last_seq = last_seq - 1 WHERE id = ?", [.text(draft.groupID)])
                } catch {
                    throw SQLiteWriteQueue.BatchPoisoned()
                }
                if let clientID = draft.clientID,
                    let original = try await connection.rows(
                        "\(SQLiteSQL.messageSelect) WHERE m.sender_id = ? AND m.client_id = ?",
                        [.text(draft.senderID), .text(clientID)]
                    ).first.map(SQLiteSQL.message)
                {
                    guard original.groupId == draft.groupID else { throw ChatError.clientIDReused }
                    return .replayed(original)
                }
                throw error
            }
            let message = Message(
                id: draft.id,
                groupId: draft.groupID,
                seq: Int64(seq),
                sender: UserSummary(id: draft.senderID, displayName: try taken.text("display_name")),
                text: draft.text,
                createdAt: draft.createdAt,
                clientId: draft.clientID
            )
            transaction.emit(.messageCreated(message))
            return .created(message)
        }
    }

    func broadcast(_ event: ChatEvent) async throws {
        self.store.sink.publish([event])
    }

    func messages(in groupID: String, before: Int64?, limit: Int) async throws -> [Message] {
        try await self.store.read { connection in
            try await connection.rows(
                "\(SQLiteSQL.messageSelect) WHERE m.group_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?",
                [.text(groupID), .integer(Int(before ?? Int64.max)), .integer(limit)]
            ).reversed().map(SQLiteSQL.message)
        }
    }

    func messages(in groupID: String, after: Int64, limit: Int) async throws -> [Message] {
        try await self.store.read { connection in
            try await connection.rows(
                "\(SQLiteSQL.messageSelect) WHERE m.group_id = ? AND m.seq > ? ORDER BY m.seq ASC LIMIT ?",
                [.text(groupID), .integer(Int(after)), .integer(limit)]
            ).map(SQLiteSQL.message)
        }
    }
}

/// The SQL fragments and row mappings that several queries share.
enum SQLiteSQL {
    static let userColumns = "id, display_name, email, is_guest, created_at"

    static let groupSelect = """
        SELECT g.id, g.name, g.created_at, g.last_seq, m.role,
            (SELECT count(*) FROM memberships c WHERE c.group_id = g.id) AS member_count
        FROM memberships m JOIN groups g ON g.id = m.group_id
        WHERE m.user_id = ?
        """

    static let messageSelect = """
        SELECT m.id, m.group_id, m.seq, m.sender_id, u.display_name, m.text, m.client_id, m.created_at
        FROM messages m JOIN users u ON u.id = m.sender_id
        """

    static func user(_ row: SQLiteRow) throws -> User {
        User(
            id: try row.text("id"),
            displayName: try row.text("display_name"),
            email: row.optionalText("email"),
            isGuest: try row.int("is_guest") != 0,
            createdAt: try row.date("created_at")
        )
    }

    static func group(_ row: SQLiteRow) throws -> Group {
        Group(
            id: try row.text("id"),
            name: try row.text("name"),
            createdAt: try row.date("created_at"),
            role: try row.role("role"),
            memberCount: try row.int("member_count"),
            lastSeq: Int64(try row.int("last_seq"))
        )
    }

    static func group(id: String, as userID: String, on connection: SQLiteConnection) async throws -> Group? {
        try await connection.rows("\(groupSelect) AND g.id = ?", [.text(userID), .text(id)]).first.map(group)
    }

    static func message(_ row: SQLiteRow) throws -> Message {
        Message(
            id: try row.text("id"),
            groupId: try row.text("group_id"),
            seq: Int64(try row.int("seq")),
            sender: UserSummary(id: try row.text("sender_id"), displayName: try row.text("display_name")),
            text: try row.text("text"),
            createdAt: try row.date("created_at"),
            clientId: row.optionalText("client_id")
        )
    }
}
