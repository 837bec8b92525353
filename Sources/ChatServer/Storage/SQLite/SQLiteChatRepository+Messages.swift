import ChatCore
import Foundation
import SQLiteNIO

extension SQLiteChatRepository {
    /// Two statements on the common path, with no savepoint of its own: the `seq` and `rev` are taken (with the
    /// membership check and the sender's name) and the row inserted. A failed insert gives them back, so the write
    /// leaves nothing behind; a `clientId` already used is then answered with the original message.
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
                    UPDATE groups SET last_seq = last_seq + 1, last_rev = last_rev + 1, last_activity_at = max(last_activity_at, ?)
                    WHERE id = ? AND EXISTS (SELECT 1 FROM memberships WHERE group_id = ? AND user_id = ?)
                    RETURNING last_seq, last_rev, (SELECT display_name FROM users WHERE id = ?) AS display_name
                    """,
                    [.date(draft.createdAt), .text(draft.groupID), .text(draft.groupID), .text(draft.senderID), .text(draft.senderID)]
                ).first
            else { throw ChatError.groupNotFound }
            let seq = try taken.int("last_seq")
            let rev = try taken.int("last_rev")
            let replyTo: MessageRef?
            do {
                replyTo = try await Self.replyTarget(draft, on: connection)
                var binds: [SQLiteData] = [
                    .text(draft.groupID), .integer(seq), .integer(rev), .integer(rev), .text(draft.id), .text(draft.senderID), .text(draft.text),
                    .optionalText(draft.clientID), .date(draft.createdAt),
                ]
                if let replyTo { binds += [.text(replyTo.id), .integer(Int(replyTo.seq))] }
                try await connection.execute(replyTo == nil ? Self.insertMessage : Self.insertReply, binds)
            } catch {
                // Give the seq and rev back, so that both stay gapless (no write of the batch ran in between);
                // unless SQLite rolled the transaction back itself, when the undo would commit on its own.
                guard transaction.isActive else { throw SQLiteWriteQueue.BatchPoisoned(cause: error) }
                do {
                    try await connection.execute(
                        "UPDATE groups SET last_seq = last_seq - 1, last_rev = last_rev - 1 WHERE id = ?",
                        [.text(draft.groupID)]
                    )
                } catch let undo {
                    throw SQLiteWriteQueue.BatchPoisoned(cause: undo)
                }
                if let clientID = draft.clientID,
                    let original = try await SQLiteSQL.messages(
                        "\(SQLiteSQL.messageSelect) WHERE m.sender_id = ? AND m.client_id = ?",
                        [.text(draft.senderID), .text(clientID)],
                        on: connection
                    ).first
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
                rev: Int64(rev),
                sender: UserSummary(id: draft.senderID, displayName: try taken.text("display_name")),
                text: draft.text,
                createdAt: draft.createdAt,
                clientId: draft.clientID,
                replyTo: replyTo
            )
            transaction.emit(.messageCreated(message))
            return .created(message)
        }
    }

    /// A reply's columns are named only when there is one: SQLiteNIO prepares each statement afresh, and every
    /// column costs in the prepare.
    private static let insertMessage = """
        INSERT INTO messages (group_id, seq, rev, created_rev, id, sender_id, text, client_id, created_at, search_rowid)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, \(SQLiteSQL.nextSearchRowid))
        """
    private static let insertReply = """
        INSERT INTO messages (group_id, seq, rev, created_rev, id, sender_id, text, client_id, created_at, reply_to_id, reply_to_seq, search_rowid)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \(SQLiteSQL.nextSearchRowid))
        """

    /// The message a draft answers: one of the same group, or `invalid_reply_to`.
    private static func replyTarget(_ draft: MessageDraft, on connection: any SQLiteQuerying) async throws -> MessageRef? {
        guard let replyID = draft.replyTo else { return nil }
        guard
            let row = try await connection.rows(
                "SELECT seq FROM messages WHERE id = ? AND group_id = ?",
                [.text(replyID), .text(draft.groupID)]
            ).first
        else { throw ChatError.invalidReplyTo }
        return MessageRef(id: replyID, seq: Int64(try row.int("seq")))
    }

    func broadcast(_ event: ChatEvent) async throws {
        self.store.sink.publish([event])
    }

    func messages(in groupID: String, before: Int64?, limit: Int) async throws -> [Message] {
        try await self.store.read { connection in
            try await SQLiteSQL.messages(
                "\(SQLiteSQL.messageSelect) WHERE m.group_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?",
                [.text(groupID), .integer(Int(before ?? Int64.max)), .integer(limit)],
                on: connection
            ).reversed()
        }
    }

    func messages(in groupID: String, after: Int64, limit: Int) async throws -> [Message] {
        try await self.store.read { connection in
            try await SQLiteSQL.messages(
                "\(SQLiteSQL.messageSelect) WHERE m.group_id = ? AND m.seq > ? ORDER BY m.seq ASC LIMIT ?",
                [.text(groupID), .integer(Int(after)), .integer(limit)],
                on: connection
            )
        }
    }

    func message(in groupID: String, seq: Int64) async throws -> Message? {
        try await self.store.read { connection in
            try await SQLiteSQL.messages(
                "\(SQLiteSQL.messageSelect) WHERE m.group_id = ? AND m.seq = ?",
                [.text(groupID), .integer(Int(seq))],
                on: connection
            ).first
        }
    }

    /// See ``ChangeFeed``: the group's `seq` and `rev` are read first, in a statement of their own (each statement
    /// is a snapshot), then each kind of change.
    func changes(in groupID: String, since: Int64, limit: Int) async throws -> ChangePage {
        try await self.store.read { connection in
            guard
                let row = try await connection.rows(
                    """
                    SELECT g.id, g.name, g.created_at, g.invite_policy, g.retention_days, g.last_seq, g.last_rev, g.settings_rev,
                        (SELECT count(*) FROM memberships c WHERE c.group_id = g.id) AS member_count
                    FROM groups g WHERE g.id = ?
                    """,
                    [.text(groupID)]
                ).first
            else { throw ChatError.groupNotFound }
            let (lastSeq, groupRev) = (Int64(try row.int("last_seq")), Int64(try row.int("last_rev")))
            guard since <= groupRev else { throw ChatError.sinceAhead(groupRev) }
            let lowest = ChangeFeed.lowestNewSeq(lastSeq: lastSeq, groupRev: groupRev, since: since)
            let binds: [SQLiteData] = [.text(groupID), .integer(Int(since)), .integer(limit + 1)]
            var feed = ChangeFeed()
            feed.newMessages = try await SQLiteSQL.messages(
                SQLiteSQL.newMessages,
                [.text(groupID), .integer(Int(lowest)), .integer(Int(since)), .integer(limit + 1)],
                on: connection
            )
            feed.changedMessages = try await SQLiteSQL.messages(SQLiteSQL.changedMessages, binds, on: connection)
            feed.members = try await connection.rows(
                """
                SELECT m.user_id, u.display_name, m.role, m.joined_at, m.rev FROM memberships m JOIN users u ON u.id = m.user_id
                WHERE m.group_id = ? AND m.rev > ? AND m.rev > 0 ORDER BY m.rev ASC LIMIT ?
                """,
                binds
            ).map { row in
                MemberChange(
                    rev: Int64(try row.int("rev")),
                    member: Member(
                        user: UserSummary(id: try row.text("user_id"), displayName: try row.text("display_name")),
                        role: try row.role("role"),
                        joinedAt: try row.date("joined_at")
                    )
                )
            }
            feed.removals = try await connection.rows(
                "SELECT user_id, reason, rev FROM member_removals WHERE group_id = ? AND rev > ? ORDER BY rev ASC LIMIT ?",
                binds
            ).map { row in
                MemberChange(
                    rev: Int64(try row.int("rev")),
                    userId: try row.text("user_id"),
                    removed: RemovalReason(rawValue: try row.text("reason")) ?? .left
                )
            }
            let settingsRev = Int64(try row.int("settings_rev"))
            if settingsRev > since {
                let info = GroupInfo(
                    id: groupID,
                    name: try row.text("name"),
                    createdAt: try row.date("created_at"),
                    memberCount: try row.int("member_count"),
                    invitePolicy: InvitePolicy(rawValue: try row.text("invite_policy")) ?? .members,
                    retentionDays: row.optionalInt("retention_days")
                )
                feed.settings = (info, settingsRev)
            }
            return feed.page(limit: limit, since: since, groupRev: groupRev)
        }
    }
}
