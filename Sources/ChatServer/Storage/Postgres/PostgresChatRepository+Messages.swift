import ChatCore
import Foundation
import PostgresNIO

extension PostgresChatRepository {
    /// The `seq` and `rev` come from one `UPDATE groups … RETURNING`, whose row lock orders the group's writers
    /// across instances; the insert is in the same transaction, so a failure leaves no gap.
    func appendMessage(_ draft: MessageDraft) async throws -> MessageAppend {
        if let replay = try await self.replay(draft) { return replay }
        let message: Message
        do {
            message = try await self.store.transaction { connection in
                let senders = try await connection.query(
                    """
                    SELECT u.display_name FROM memberships m JOIN users u ON u.id = m.user_id
                    WHERE m.group_id = \(draft.groupID) AND m.user_id = \(draft.senderID)
                    """,
                    logger: self.logger
                )
                var senderName: String?
                for try await name in senders.decode(String.self) { senderName = name }
                guard let senderName else { throw ChatError.groupNotFound }
                let replyTo = try await self.replyTarget(draft, on: connection)
                let taken = try await connection.query(
                    """
                    UPDATE groups SET last_seq = last_seq + 1, last_rev = last_rev + 1,
                        last_activity_at = greatest(last_activity_at, \(draft.createdAt.milliseconds))
                    WHERE id = \(draft.groupID) RETURNING last_seq, last_rev
                    """,
                    logger: self.logger
                )
                var numbers: (seq: Int64, rev: Int64)?
                for try await row in taken.decode((Int64, Int64).self) { numbers = row }
                guard let (seq, rev) = numbers else { throw ChatError.groupNotFound }
                try await connection.query(
                    """
                    INSERT INTO messages (group_id, seq, rev, created_rev, id, sender_id, text, client_id, created_at, reply_to_id, reply_to_seq)
                    VALUES (\(draft.groupID), \(seq), \(rev), \(rev), \(draft.id), \(draft.senderID), \(draft.text), \(draft.clientID),
                        \(draft.createdAt.milliseconds), \(replyTo?.id), \(replyTo?.seq))
                    """,
                    logger: self.logger
                )
                let message = Message(
                    id: draft.id,
                    groupId: draft.groupID,
                    seq: seq,
                    rev: rev,
                    sender: UserSummary(id: draft.senderID, displayName: senderName),
                    text: draft.text,
                    createdAt: draft.createdAt,
                    clientId: draft.clientID,
                    replyTo: replyTo
                )
                try await self.notify(.messageCreated(message), on: connection)
                return message
            }
        } catch  where error.isUniqueViolation("messages_by_client_id") {
            // Another instance stored this clientId first; its message is the answer.
            if let replay = try await self.replay(draft) { return replay }
            throw error
        }
        self.sink.publish([.messageCreated(message)])
        return .created(message)
    }

    /// The message a draft answers: one of the same group, or `invalid_reply_to`.
    private func replyTarget(_ draft: MessageDraft, on connection: PostgresConnection) async throws -> MessageRef? {
        guard let replyID = draft.replyTo else { return nil }
        let rows = try await connection.query(
            "SELECT seq FROM messages WHERE id = \(replyID) AND group_id = \(draft.groupID)",
            logger: self.logger
        )
        for try await seq in rows.decode(Int64.self) { return MessageRef(id: replyID, seq: seq) }
        throw ChatError.invalidReplyTo
    }

    /// The sender's earlier message with the draft's `clientId`, if any.
    private func replay(_ draft: MessageDraft) async throws -> MessageAppend? {
        guard let clientID = draft.clientID else { return nil }
        let original = try await self.store.read { connection in
            try await PostgresSQL.messages(
                "\(unescaped: PostgresSQL.messageSelect) WHERE m.sender_id = \(draft.senderID) AND m.client_id = \(clientID)",
                on: connection,
                logger: self.logger
            ).first
        }
        guard let original else { return nil }
        guard original.groupId == draft.groupID else { throw ChatError.clientIDReused }
        return .replayed(original)
    }

    func messages(in groupID: String, before: Int64?, limit: Int) async throws -> [Message] {
        try await self.store.read { connection in
            try await PostgresSQL.messages(
                """
                \(unescaped: PostgresSQL.messageSelect) WHERE m.group_id = \(groupID) AND m.seq < \(before ?? Int64.max)
                ORDER BY m.seq DESC LIMIT \(limit)
                """,
                on: connection,
                logger: self.logger
            ).reversed()
        }
    }

    func messages(in groupID: String, after: Int64, limit: Int) async throws -> [Message] {
        try await self.store.read { connection in
            try await PostgresSQL.messages(
                "\(unescaped: PostgresSQL.messageSelect) WHERE m.group_id = \(groupID) AND m.seq > \(after) ORDER BY m.seq ASC LIMIT \(limit)",
                on: connection,
                logger: self.logger
            )
        }
    }

    func message(in groupID: String, seq: Int64) async throws -> Message? {
        try await self.store.read { connection in
            try await PostgresSQL.messages(
                "\(unescaped: PostgresSQL.messageSelect) WHERE m.group_id = \(groupID) AND m.seq = \(seq)",
                on: connection,
                logger: self.logger
            ).first
        }
    }

    /// See ``ChangePage/init(newMessages:changedMessages:limit:since:groupRev:)``: the group's `seq` and `rev` are
    /// read first, in a statement of their own (each statement is a snapshot), then the two kinds of change.
    func changes(in groupID: String, since: Int64, limit: Int) async throws -> ChangePage {
        try await self.store.read { connection in
            var numbers: (Int64, Int64)?
            for try await row in try await connection.query("SELECT last_seq, last_rev FROM groups WHERE id = \(groupID)", logger: self.logger)
                .decode((Int64, Int64).self)
            {
                numbers = row
            }
            guard let (lastSeq, groupRev) = numbers else { throw ChatError.groupNotFound }
            guard since <= groupRev else { throw ChatError.sinceAhead(groupRev) }
            let lowest = ChangePage.lowestNewSeq(lastSeq: lastSeq, groupRev: groupRev, since: since)
            let created = try await PostgresSQL.messages(
                """
                \(unescaped: PostgresSQL.messageSelect) WHERE m.group_id = \(groupID) AND m.seq > \(lowest) AND m.rev > \(since)
                AND m.rev = m.created_rev ORDER BY m.seq ASC LIMIT \(limit + 1)
                """,
                on: connection,
                logger: self.logger
            )
            let changed = try await PostgresSQL.messages(
                """
                \(unescaped: PostgresSQL.messageSelect) WHERE m.group_id = \(groupID) AND m.rev > \(since) AND m.rev <> m.created_rev
                ORDER BY m.rev ASC LIMIT \(limit + 1)
                """,
                on: connection,
                logger: self.logger
            )
            return ChangePage(newMessages: created, changedMessages: changed, limit: limit, since: since, groupRev: groupRev)
        }
    }
}
