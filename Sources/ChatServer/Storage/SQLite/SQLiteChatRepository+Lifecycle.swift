import ChatCore
import Foundation
import SQLiteNIO

extension SQLiteChatRepository {
    func editMessage(_ edit: MessageEdit) async throws -> MessageChange {
        try await self.store.write { transaction in
            let connection = transaction.connection
            let (_, current) = try await Self.target(edit.messageID, in: edit.groupID, for: edit.editorID, on: connection)
            let change = try MessageLifecycle.edit(current, by: edit.editorID, text: edit.text, at: edit.at)
            guard change.changed else { return change }
            let rev = try await SQLiteSQL.takeRev(edit.groupID, on: connection)
            try await connection.execute(
                "UPDATE messages SET text = ?, edited_at = ?, rev = ? WHERE group_id = ? AND seq = ?",
                [.text(edit.text), .date(edit.at), .integer(Int(rev)), .text(edit.groupID), .integer(Int(current.seq))]
            )
            return Self.emit(change, rev: rev, in: transaction)
        }
    }

    func deleteMessage(_ deletion: MessageDeletion) async throws -> MessageChange {
        try await self.store.write { transaction in
            let connection = transaction.connection
            let (role, current) = try await Self.target(deletion.messageID, in: deletion.groupID, for: deletion.userID, on: connection)
            let change = try MessageLifecycle.delete(current, by: deletion.userID, role: role, at: deletion.at)
            guard change.changed else { return change }
            let rev = try await SQLiteSQL.takeRev(deletion.groupID, on: connection)
            let key: [SQLiteData] = [.text(deletion.groupID), .integer(Int(current.seq))]
            try await connection.execute("DELETE FROM reactions WHERE group_id = ? AND seq = ?", key)
            try await connection.execute(
                "UPDATE messages SET text = '', deleted_at = ?, rev = ? WHERE group_id = ? AND seq = ?",
                [.date(deletion.at), .integer(Int(rev))] + key
            )
            return Self.emit(change, rev: rev, in: transaction)
        }
    }

    func setReaction(_ reaction: ReactionChange) async throws -> MessageChange {
        try await self.store.write { transaction in
            let connection = transaction.connection
            let (_, current) = try await Self.target(reaction.messageID, in: reaction.groupID, for: reaction.userID, on: connection)
            guard try MessageLifecycle.reactionChanges(current, reaction) else { return MessageChange(message: current, changed: false) }
            let rev = try await SQLiteSQL.takeRev(reaction.groupID, on: connection)
            let key: [SQLiteData] = [.text(reaction.groupID), .integer(Int(current.seq))]
            if reaction.present {
                try await connection.execute(
                    "INSERT INTO reactions (group_id, seq, emoji, user_id, rev) VALUES (?, ?, ?, ?, ?)",
                    key + [.text(reaction.emoji), .text(reaction.userID), .integer(Int(rev))]
                )
            } else {
                try await connection.execute(
                    "DELETE FROM reactions WHERE group_id = ? AND seq = ? AND emoji = ? AND user_id = ?",
                    key + [.text(reaction.emoji), .text(reaction.userID)]
                )
            }
            try await connection.execute("UPDATE messages SET rev = ? WHERE group_id = ? AND seq = ?", [.integer(Int(rev))] + key)
            var message = current
            message.rev = rev
            message = try await SQLiteSQL.withReactions([message], of: [message.seq], on: connection)[0]
            transaction.emit(.messageUpdated(message))
            return MessageChange(message: message, changed: true)
        }
    }

    func markRead(groupID: String, userID: String, seq: Int64) async throws -> Int64? {
        try await self.store.write { transaction in
            let connection = transaction.connection
            guard
                let row = try await connection.rows(
                    """
                    SELECT g.last_seq, m.read_seq FROM memberships m JOIN groups g ON g.id = m.group_id
                    WHERE m.group_id = ? AND m.user_id = ?
                    """,
                    [.text(groupID), .text(userID)]
                ).first
            else { throw ChatError.groupNotFound }
            let lastSeq = Int64(try row.int("last_seq"))
            guard seq <= lastSeq else { throw ChatError.seqOutOfRange(lastSeq) }
            guard seq > Int64(try row.int("read_seq")) else { return nil }
            try await connection.execute(
                "UPDATE memberships SET read_seq = ? WHERE group_id = ? AND user_id = ?",
                [.integer(Int(seq)), .text(groupID), .text(userID)]
            )
            transaction.emit(.read(userID: userID, groupID: groupID, seq: seq))
            return seq
        }
    }

    func members(of groupID: String, after cursor: MemberCursor?, limit: Int, at date: Date) async throws -> [MemberPresence] {
        try await self.store.read { connection in
            try await connection.rows(
                """
                SELECT m.user_id, u.display_name, m.role, m.joined_at, u.last_seen_at, m.invite_id, m.invited_by, x.display_name AS inviter_name,
                    EXISTS (SELECT 1 FROM presence p WHERE p.user_id = m.user_id AND p.expires_at > ?) AS online
                FROM memberships m JOIN users u ON u.id = m.user_id LEFT JOIN users x ON x.id = m.invited_by
                WHERE m.group_id = ? AND (m.joined_at > ? OR (m.joined_at = ? AND m.user_id > ?))
                ORDER BY m.joined_at, m.user_id LIMIT ?
                """,
                [
                    .date(date), .text(groupID), .integer(Int(cursor?.joinedAt ?? Int64.min)), .integer(Int(cursor?.joinedAt ?? Int64.min)),
                    .text(cursor?.userID ?? ""), .integer(limit),
                ]
            ).map { row in
                var invite: InviteRef?
                if let inviteID = row.optionalText("invite_id"), let inviter = row.optionalText("invited_by") {
                    invite = InviteRef(id: inviteID, createdBy: UserSummary(id: inviter, displayName: try row.text("inviter_name")))
                }
                return MemberPresence(
                    user: UserSummary(id: try row.text("user_id"), displayName: try row.text("display_name")),
                    role: try row.role("role"),
                    joinedAt: try row.date("joined_at"),
                    invite: invite,
                    presence: Presence(status: try row.int("online") != 0 ? .online : .offline, lastSeenAt: try row.optionalDate("last_seen_at"))
                )
            }
        }
    }

    func groupIDs(of userID: String) async throws -> [String] {
        try await self.store.read { connection in
            try await connection.rows("SELECT group_id FROM memberships WHERE user_id = ?", [.text(userID)]).map { try $0.text("group_id") }
        }
    }

    // MARK: Helpers

    /// The caller's role and the message they act on: `group_not_found` for a non-member, then
    /// `message_not_found`.
    private static func target(
        _ messageID: String,
        in groupID: String,
        for userID: String,
        on connection: any SQLiteQuerying
    ) async throws -> (GroupRole, Message) {
        guard let role = try await SQLiteSQL.role(of: userID, in: groupID, on: connection) else { throw ChatError.groupNotFound }
        guard let message = try await SQLiteSQL.message(id: messageID, in: groupID, on: connection) else { throw ChatError.messageNotFound }
        return (role, message)
    }

    private static func emit(_ change: MessageChange, rev: Int64, in transaction: SQLiteTransaction) -> MessageChange {
        var change = change
        change.message.rev = rev
        transaction.emit(.messageUpdated(change.message))
        return change
    }
}
