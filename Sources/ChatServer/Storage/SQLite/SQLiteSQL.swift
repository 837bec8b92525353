import ChatCore
import ChatSQLite
import Foundation
import SQLiteNIO

/// The SQL fragments and row mappings that several SQLite queries share.
enum SQLiteSQL {
    static let userColumns = "id, display_name, email, is_guest, created_at"

    /// The caller's groups; binds the caller's id. The unread count is a range scan of the primary key from
    /// the read marker.
    static let groupSelect = """
        SELECT g.id, g.name, g.created_at, g.last_seq, g.last_rev, g.invite_policy, g.retention_days, m.role, m.read_seq,
            (SELECT count(*) FROM memberships c WHERE c.group_id = g.id) AS member_count,
            (SELECT count(*) FROM messages x WHERE x.group_id = g.id AND x.seq > m.read_seq
                AND x.sender_id <> m.user_id AND x.deleted_at IS NULL) AS unread_count
        FROM memberships m JOIN groups g ON g.id = m.group_id
        WHERE m.user_id = ?
        """

    /// A new message's key in the search index: the next after the largest in use (an index lookup).
    static let nextSearchRowid = "(SELECT coalesce(max(search_rowid), 0) + 1 FROM messages)"

    static let messageColumns = """
        m.id, m.group_id, m.seq, m.rev, m.created_rev, m.sender_id, u.display_name, m.text, m.client_id, m.created_at,
            m.edited_at, m.deleted_at, m.reply_to_id, m.reply_to_seq
        """

    static let messageSelect = "SELECT \(messageColumns) FROM messages m JOIN users u ON u.id = m.sender_id"

    /// The change feed's messages created after `since` (binds: group, lowest seq, since, limit): see ``ChangeFeed``.
    static let newMessages = """
        \(messageSelect) WHERE m.group_id = ? AND m.seq > ? AND m.rev > ? AND m.rev = m.created_rev ORDER BY m.seq ASC LIMIT ?
        """

    /// The change feed's messages changed after `since` (binds: group, since, limit), from the partial rev index.
    static let changedMessages = """
        \(messageSelect) WHERE m.group_id = ? AND m.rev > ? AND m.rev <> m.created_rev ORDER BY m.rev ASC LIMIT ?
        """

    static func user(_ row: SQLiteRecord) throws -> User {
        User(
            id: try row.text("id"),
            displayName: try row.text("display_name"),
            email: row.optionalText("email"),
            isGuest: try row.int("is_guest") != 0,
            createdAt: try row.date("created_at")
        )
    }

    static func user(id: String, on connection: any SQLiteQuerying) async throws -> User? {
        try await connection.rows("SELECT \(userColumns) FROM users WHERE id = ? AND deleted_at IS NULL", [.text(id)]).first.map(user)
    }

    static func group(_ row: SQLiteRecord) throws -> Group {
        Group(
            id: try row.text("id"),
            name: try row.text("name"),
            createdAt: try row.date("created_at"),
            role: try row.role("role"),
            memberCount: try row.int("member_count"),
            lastSeq: Int64(try row.int("last_seq")),
            rev: Int64(try row.int("last_rev")),
            readSeq: Int64(try row.int("read_seq")),
            unreadCount: try row.int("unread_count"),
            invitePolicy: InvitePolicy(rawValue: try row.text("invite_policy")) ?? .members,
            retentionDays: row.optionalInt("retention_days")
        )
    }

    static func group(id: String, as userID: String, on connection: any SQLiteQuerying) async throws -> Group? {
        try await connection.rows("\(groupSelect) AND g.id = ?", [.text(userID), .text(id)]).first.map(group)
    }

    /// Takes the group's next rev.
    static func takeRev(_ groupID: String, on connection: any SQLiteQuerying) async throws -> Int64 {
        guard let row = try await connection.rows("UPDATE groups SET last_rev = last_rev + 1 WHERE id = ? RETURNING last_rev", [.text(groupID)]).first
        else { throw ChatError.groupNotFound }
        return Int64(try row.int("last_rev"))
    }

    static func role(of userID: String, in groupID: String, on connection: any SQLiteQuerying) async throws -> GroupRole? {
        try await connection.rows("SELECT role FROM memberships WHERE group_id = ? AND user_id = ?", [.text(groupID), .text(userID)])
            .first?.role("role")
    }

    /// The message without its reactions (see ``withReactions(_:on:)``).
    static func message(_ row: SQLiteRecord) throws -> Message {
        let replyID = row.optionalText("reply_to_id")
        let deletedAt = try row.optionalDate("deleted_at")
        return Message(
            id: try row.text("id"),
            groupId: try row.text("group_id"),
            seq: Int64(try row.int("seq")),
            rev: Int64(try row.int("rev")),
            sender: UserSummary(id: try row.text("sender_id"), displayName: try row.text("display_name")),
            text: try row.text("text"),
            createdAt: try row.date("created_at"),
            clientId: row.optionalText("client_id"),
            editedAt: try row.optionalDate("edited_at"),
            deleted: deletedAt != nil,
            deletedAt: deletedAt,
            replyTo: try replyID.map { MessageRef(id: $0, seq: Int64(try row.int("reply_to_seq"))) }
        )
    }

    /// Messages of one group read with `query` (which selects ``messageSelect``), with their reactions. Only a
    /// message changed since its creation can have any, so a page of unchanged messages costs no second query.
    static func messages(_ query: String, _ binds: [SQLiteData], on connection: any SQLiteQuerying) async throws -> [Message] {
        var changed: [Int64] = []
        let messages = try await connection.rows(query, binds).map { row in
            let message = try self.message(row)
            if !message.deleted, try row.int("created_rev") != message.rev { changed.append(message.seq) }
            return message
        }
        return try await self.withReactions(messages, of: changed, on: connection)
    }

    /// One message of a group by its id, with its reactions.
    static func message(id: String, in groupID: String, on connection: any SQLiteQuerying) async throws -> Message? {
        try await self.messages("\(messageSelect) WHERE m.group_id = ? AND m.id = ?", [.text(groupID), .text(id)], on: connection).first
    }

    /// Fills in the reactions of the messages (of one group) whose `seqs` are given, with one query for all.
    static func withReactions(_ messages: [Message], of seqs: [Int64], on connection: any SQLiteQuerying) async throws -> [Message] {
        guard let groupID = messages.first?.groupId, !seqs.isEmpty else { return messages }
        let placeholders = Array(repeating: "?", count: seqs.count).joined(separator: ", ")
        let rows = try await connection.rows(
            "SELECT seq, emoji, user_id FROM reactions WHERE group_id = ? AND seq IN (\(placeholders)) ORDER BY seq, rev",
            [.text(groupID)] + seqs.map { .integer(Int($0)) }
        )
        guard !rows.isEmpty else { return messages }
        let reactions = ReactionRows(try rows.map { (Int64(try $0.int("seq")), try $0.text("emoji"), try $0.text("user_id")) })
        return messages.map { message in
            var message = message
            message.reactions = reactions.bySeq[message.seq] ?? []
            return message
        }
    }
}
