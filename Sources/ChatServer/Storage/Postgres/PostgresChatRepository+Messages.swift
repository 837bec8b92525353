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
                try await self.announce(.messageCreated(message), on: connection)
                return message
            }
        } catch  where error.isUniqueViolation("messages_by_client_id") {
            // Another instance stored this clientId first; its message is the answer.
            if let replay = try await self.replay(draft) { return replay }
            throw error
        }
        self.committed([.messageCreated(message)])
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

    /// See ``ChangeFeed``: the group's `seq` and `rev` are read first, in a statement of their own (each statement
    /// is a snapshot), then each kind of change.
    func changes(in groupID: String, since: Int64, limit: Int) async throws -> ChangePage {
        try await self.store.read { connection in
            var found: (String, Int64, String, Int64, Int64, Int64, Int64, Int32?)?
            for try await row in try await connection.query(
                """
                SELECT g.name, g.created_at, g.invite_policy, g.last_seq, g.last_rev, g.settings_rev,
                    (SELECT count(*) FROM memberships c WHERE c.group_id = g.id), g.retention_days
                FROM groups g WHERE g.id = \(groupID)
                """,
                logger: self.logger
            ).decode((String, Int64, String, Int64, Int64, Int64, Int64, Int32?).self) {
                found = row
            }
            guard let (name, created, policy, lastSeq, groupRev, settingsRev, memberCount, retention) = found else {
                throw ChatError.groupNotFound
            }
            guard since <= groupRev else { throw ChatError.sinceAhead(groupRev) }
            let lowest = ChangeFeed.lowestNewSeq(lastSeq: lastSeq, groupRev: groupRev, since: since)
            var feed = ChangeFeed()
            feed.newMessages = try await PostgresSQL.messages(
                """
                \(unescaped: PostgresSQL.messageSelect) WHERE m.group_id = \(groupID) AND m.seq > \(lowest) AND m.rev > \(since)
                AND m.rev = m.created_rev ORDER BY m.seq ASC LIMIT \(limit + 1)
                """,
                on: connection,
                logger: self.logger
            )
            feed.changedMessages = try await PostgresSQL.messages(
                """
                \(unescaped: PostgresSQL.messageSelect) WHERE m.group_id = \(groupID) AND m.rev > \(since) AND m.rev <> m.created_rev
                ORDER BY m.rev ASC LIMIT \(limit + 1)
                """,
                on: connection,
                logger: self.logger
            )
            for try await (user, displayName, role, joined, rev) in try await connection.query(
                """
                SELECT m.user_id, u.display_name, m.role, m.joined_at, m.rev FROM memberships m JOIN users u ON u.id = m.user_id
                WHERE m.group_id = \(groupID) AND m.rev > \(since) AND m.rev > 0 ORDER BY m.rev ASC LIMIT \(limit + 1)
                """,
                logger: self.logger
            ).decode((String, String, String, Int64, Int64).self) {
                let member = Member(
                    user: UserSummary(id: user, displayName: displayName),
                    role: GroupRole(rawValue: role) ?? .member,
                    joinedAt: Date(milliseconds: joined)
                )
                feed.members.append(MemberChange(rev: rev, member: member))
            }
            for try await (user, reason, rev) in try await connection.query(
                """
                SELECT user_id, reason, rev FROM member_removals WHERE group_id = \(groupID) AND rev > \(since)
                ORDER BY rev ASC LIMIT \(limit + 1)
                """,
                logger: self.logger
            ).decode((String, String, Int64).self) {
                feed.removals.append(MemberChange(rev: rev, userId: user, removed: RemovalReason(rawValue: reason) ?? .left))
            }
            if settingsRev > since {
                let info = GroupInfo(
                    id: groupID,
                    name: name,
                    createdAt: Date(milliseconds: created),
                    memberCount: Int(memberCount),
                    invitePolicy: InvitePolicy(rawValue: policy) ?? .members,
                    retentionDays: retention.map(Int.init)
                )
                feed.settings = (info, settingsRev)
            }
            return feed.page(limit: limit, since: since, groupRev: groupRev)
        }
    }
}
