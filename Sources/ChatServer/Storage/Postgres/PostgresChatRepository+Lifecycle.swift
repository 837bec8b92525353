import ChatCore
import Foundation
import Logging
import PostgresNIO

/// Each lifecycle write first takes the group's next rev (`UPDATE groups … RETURNING`), which locks the group's
/// row: the group's writers on every instance queue behind it, so the message read next is its current state,
/// and a refused change rolls the rev back with the transaction.
extension PostgresChatRepository {
    func editMessage(_ edit: MessageEdit) async throws -> MessageChange {
        try await self.lifecycleWrite(groupID: edit.groupID, messageID: edit.messageID, userID: edit.editorID) { _, current, rev, connection in
            let change = try MessageLifecycle.edit(current, by: edit.editorID, text: edit.text, at: edit.at)
            guard change.changed else { return change }
            try await connection.query(
                """
                UPDATE messages SET text = \(edit.text), edited_at = \(edit.at.milliseconds), rev = \(rev)
                WHERE group_id = \(edit.groupID) AND seq = \(current.seq)
                """,
                logger: self.logger
            )
            return change
        }
    }

    func deleteMessage(_ deletion: MessageDeletion) async throws -> MessageChange {
        try await self.lifecycleWrite(groupID: deletion.groupID, messageID: deletion.messageID, userID: deletion.userID) {
            role,
            current,
            rev,
            connection in
            let change = try MessageLifecycle.delete(current, by: deletion.userID, role: role, at: deletion.at)
            guard change.changed else { return change }
            try await connection.query("DELETE FROM reactions WHERE group_id = \(deletion.groupID) AND seq = \(current.seq)", logger: self.logger)
            try await connection.query(
                """
                UPDATE messages SET text = '', deleted_at = \(deletion.at.milliseconds), rev = \(rev)
                WHERE group_id = \(deletion.groupID) AND seq = \(current.seq)
                """,
                logger: self.logger
            )
            return change
        }
    }

    func setReaction(_ reaction: ReactionChange) async throws -> MessageChange {
        try await self.lifecycleWrite(groupID: reaction.groupID, messageID: reaction.messageID, userID: reaction.userID) {
            _,
            current,
            rev,
            connection in
            guard try MessageLifecycle.reactionChanges(current, reaction) else { return MessageChange(message: current, changed: false) }
            if reaction.present {
                try await connection.query(
                    """
                    INSERT INTO reactions (group_id, seq, emoji, user_id, rev)
                    VALUES (\(reaction.groupID), \(current.seq), \(reaction.emoji), \(reaction.userID), \(rev))
                    """,
                    logger: self.logger
                )
            } else {
                try await connection.query(
                    """
                    DELETE FROM reactions WHERE group_id = \(reaction.groupID) AND seq = \(current.seq)
                        AND emoji = \(reaction.emoji) AND user_id = \(reaction.userID)
                    """,
                    logger: self.logger
                )
            }
            try await connection.query(
                "UPDATE messages SET rev = \(rev) WHERE group_id = \(reaction.groupID) AND seq = \(current.seq)",
                logger: self.logger
            )
            let message = try await PostgresSQL.withReactions([current], of: [current.seq], on: connection, logger: self.logger)[0]
            return MessageChange(message: message, changed: true)
        }
    }

    /// Runs one lifecycle `change` in a transaction that holds the group's next rev, and announces what it
    /// changed. A change that changes nothing rolls back, so the rev is not used.
    private func lifecycleWrite(
        groupID: String,
        messageID: String,
        userID: String,
        _ change: @escaping @Sendable (GroupRole, Message, Int64, PostgresConnection) async throws -> MessageChange
    ) async throws -> MessageChange {
        struct Unchanged: Error { let change: MessageChange }
        let result: MessageChange
        do {
            result = try await self.store.transaction { connection in
                guard let role = try await PostgresSQL.role(of: userID, in: groupID, on: connection, logger: self.logger) else {
                    throw ChatError.groupNotFound
                }
                let rev = try await PostgresSQL.takeRev(groupID, on: connection, logger: self.logger)
                guard let current = try await PostgresSQL.message(id: messageID, in: groupID, on: connection, logger: self.logger) else {
                    throw ChatError.messageNotFound
                }
                var result = try await change(role, current, rev, connection)
                guard result.changed else { throw Unchanged(change: result) }
                result.message.rev = rev
                try await self.announce(.messageUpdated(result.message), on: connection)
                return result
            }
        } catch let unchanged as Unchanged {
            return unchanged.change
        }
        self.committed([.messageUpdated(result.message)])
        return result
    }

    func markRead(groupID: String, userID: String, seq: Int64) async throws -> Int64? {
        let moved = try await self.store.transaction { connection -> Bool in
            let rows = try await connection.query(
                """
                SELECT g.last_seq, m.read_seq FROM memberships m JOIN groups g ON g.id = m.group_id
                WHERE m.group_id = \(groupID) AND m.user_id = \(userID) FOR UPDATE OF m
                """,
                logger: self.logger
            )
            var found: (Int64, Int64)?
            for try await row in rows.decode((Int64, Int64).self) { found = row }
            guard let (lastSeq, readSeq) = found else { throw ChatError.groupNotFound }
            guard seq <= lastSeq else { throw ChatError.seqOutOfRange(lastSeq) }
            guard seq > readSeq else { return false }
            try await connection.query(
                "UPDATE memberships SET read_seq = \(seq) WHERE group_id = \(groupID) AND user_id = \(userID)",
                logger: self.logger
            )
            try await self.announce(.read(userID: userID, groupID: groupID, seq: seq), on: connection)
            return true
        }
        guard moved else { return nil }
        self.committed([.read(userID: userID, groupID: groupID, seq: seq)])
        return seq
    }

    func members(of groupID: String, after cursor: MemberCursor?, limit: Int, at date: Date) async throws -> [MemberPresence] {
        let joinedAfter = cursor?.joinedAt ?? Int64.min
        let userAfter = cursor?.userID ?? ""
        let rows = try await self.store.client.query(
            """
            SELECT m.user_id, u.display_name, m.role, m.joined_at, u.last_seen_at, m.invite_id, m.invited_by, x.display_name,
                EXISTS (SELECT 1 FROM presence p WHERE p.user_id = m.user_id AND p.expires_at > \(date.milliseconds))
            FROM memberships m JOIN users u ON u.id = m.user_id LEFT JOIN users x ON x.id = m.invited_by
            WHERE m.group_id = \(groupID) AND (m.joined_at > \(joinedAfter) OR (m.joined_at = \(joinedAfter) AND m.user_id COLLATE "C" > \(userAfter)))
            ORDER BY m.joined_at, m.user_id COLLATE "C" LIMIT \(limit)
            """,
            logger: self.logger
        )
        var members: [MemberPresence] = []
        for try await (id, name, role, joined, lastSeen, inviteID, inviter, inviterName, online) in rows.decode(
            (String, String, String, Int64, Int64?, String?, String?, String?, Bool).self
        ) {
            var invite: InviteRef?
            if let inviteID, let inviter { invite = InviteRef(id: inviteID, createdBy: UserSummary(id: inviter, displayName: inviterName ?? "")) }
            members.append(
                MemberPresence(
                    user: UserSummary(id: id, displayName: name),
                    role: GroupRole(rawValue: role) ?? .member,
                    joinedAt: Date(milliseconds: joined),
                    invite: invite,
                    presence: Presence(status: online ? .online : .offline, lastSeenAt: lastSeen.map(Date.init(milliseconds:)))
                )
            )
        }
        return members
    }

    func groupIDs(of userID: String) async throws -> [String] {
        try await self.store.read { connection in try await PostgresSQL.groupIDs(of: userID, on: connection, logger: self.logger) }
    }
}

extension PostgresSQL {
    static func groupIDs(of userID: String, on connection: PostgresConnection, logger: Logger) async throws -> [String] {
        var groups: [String] = []
        for try await group in try await connection.query("SELECT group_id FROM memberships WHERE user_id = \(userID)", logger: logger)
            .decode(String.self)
        {
            groups.append(group)
        }
        return groups
    }
}
