import ChatCore
import Foundation
import Logging
import PostgresNIO

/// SQL fragments and row mappings for PostgreSQL.
enum PostgresSQL {
    static let userColumns = "id, display_name, email, is_guest, created_at"

    /// Groups as their member `m` sees them; the unread count is a range scan of the primary key from the marker.
    static let groupSelect = """
        SELECT g.id, g.name, g.created_at, g.last_seq, g.last_rev, g.invite_policy, m.role, m.read_seq,
            (SELECT count(*) FROM memberships c WHERE c.group_id = g.id),
            (SELECT count(*) FROM messages x WHERE x.group_id = g.id AND x.seq > m.read_seq
                AND x.sender_id <> m.user_id AND x.deleted_at IS NULL),
            g.retention_days
        FROM memberships m JOIN groups g ON g.id = m.group_id
        """

    static let messageSelect = """
        SELECT m.id, m.group_id, m.seq, m.rev, m.created_rev, m.sender_id, u.display_name, m.text, m.client_id, m.created_at,
            m.edited_at, m.deleted_at, m.reply_to_id, m.reply_to_seq
        FROM messages m JOIN users u ON u.id = m.sender_id
        """

    static func user(_ id: String, _ name: String, _ email: String?, _ guest: Bool, _ created: Int64) -> User {
        User(id: id, displayName: name, email: email, isGuest: guest, createdAt: Date(milliseconds: created))
    }

    static func user(id: String, on connection: PostgresConnection, logger: Logger) async throws -> User? {
        let rows = try await connection.query("SELECT \(unescaped: userColumns) FROM users WHERE id = \(id) AND deleted_at IS NULL", logger: logger)
        for try await (id, name, email, guest, created) in rows.decode((String, String, String?, Bool, Int64).self) {
            return self.user(id, name, email, guest, created)
        }
        return nil
    }

    static func groups(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws -> [Group] {
        var groups: [Group] = []
        let rows = try await connection.query(query, logger: logger)
        for try await (id, name, created, lastSeq, rev, policy, role, readSeq, count, unread, retention) in rows.decode(
            (String, String, Int64, Int64, Int64, String, String, Int64, Int64, Int64, Int32?).self
        ) {
            groups.append(
                Group(
                    id: id,
                    name: name,
                    createdAt: Date(milliseconds: created),
                    role: GroupRole(rawValue: role) ?? .member,
                    memberCount: Int(count),
                    lastSeq: lastSeq,
                    rev: rev,
                    readSeq: readSeq,
                    unreadCount: Int(unread),
                    invitePolicy: InvitePolicy(rawValue: policy) ?? .members,
                    retentionDays: retention.map(Int.init)
                )
            )
        }
        return groups
    }

    static func group(id: String, as userID: String, on connection: PostgresConnection, logger: Logger) async throws -> Group? {
        try await self.groups("\(unescaped: groupSelect) WHERE m.user_id = \(userID) AND g.id = \(id)", on: connection, logger: logger).first
    }

    /// Takes the group's next rev; the row lock orders the group's writers on every instance.
    static func takeRev(_ groupID: String, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        for try await rev in try await connection.query(
            "UPDATE groups SET last_rev = last_rev + 1 WHERE id = \(groupID) RETURNING last_rev",
            logger: logger
        ).decode(Int64.self) {
            return rev
        }
        throw ChatError.groupNotFound
    }

    static func role(of userID: String, in groupID: String, on connection: PostgresConnection, logger: Logger) async throws -> GroupRole? {
        let rows = try await connection.query(
            "SELECT role FROM memberships WHERE group_id = \(groupID) AND user_id = \(userID)",
            logger: logger
        )
        for try await role in rows.decode(String.self) { return GroupRole(rawValue: role) }
        return nil
    }

    /// Messages of one group read with `query` (which selects ``messageSelect``), with their reactions. Only a
    /// message changed since its creation can have any, so a page of unchanged messages costs no second query.
    static func messages(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws -> [Message] {
        var messages: [Message] = []
        var changed: [Int64] = []
        let rows = try await connection.query(query, logger: logger)
        for try await (id, group, seq, rev, createdRev, sender, name, text, clientID, created, edited, deleted, replyID, replySeq) in rows.decode(
            (String, String, Int64, Int64, Int64, String, String, String, String?, Int64, Int64?, Int64?, String?, Int64?).self
        ) {
            if deleted == nil, rev != createdRev { changed.append(seq) }
            messages.append(
                Message(
                    id: id,
                    groupId: group,
                    seq: seq,
                    rev: rev,
                    sender: UserSummary(id: sender, displayName: name),
                    text: text,
                    createdAt: Date(milliseconds: created),
                    clientId: clientID,
                    editedAt: edited.map(Date.init(milliseconds:)),
                    deleted: deleted != nil,
                    deletedAt: deleted.map(Date.init(milliseconds:)),
                    replyTo: replyID.map { MessageRef(id: $0, seq: replySeq ?? 0) }
                )
            )
        }
        return try await self.withReactions(messages, of: changed, on: connection, logger: logger)
    }

    /// One message of a group by its id, with its reactions.
    static func message(id: String, in groupID: String, on connection: PostgresConnection, logger: Logger) async throws -> Message? {
        try await self.messages(
            "\(unescaped: messageSelect) WHERE m.group_id = \(groupID) AND m.id = \(id)",
            on: connection,
            logger: logger
        ).first
    }

    /// Fills in the reactions of the messages (of one group) whose `seqs` are given, with one query for all.
    static func withReactions(
        _ messages: [Message],
        of seqs: [Int64],
        on connection: PostgresConnection,
        logger: Logger
    ) async throws
        -> [Message]
    {
        guard let groupID = messages.first?.groupId, !seqs.isEmpty else { return messages }
        let rows = try await connection.query(
            "SELECT seq, emoji, user_id FROM reactions WHERE group_id = \(groupID) AND seq = ANY(\(seqs)) ORDER BY seq, rev",
            logger: logger
        )
        var collected: [(seq: Int64, emoji: String, userID: String)] = []
        for try await row in rows.decode((Int64, String, String).self) { collected.append(row) }
        guard !collected.isEmpty else { return messages }
        let reactions = ReactionRows(collected)
        return messages.map { message in
            var message = message
            message.reactions = reactions.bySeq[message.seq] ?? []
            return message
        }
    }
}
