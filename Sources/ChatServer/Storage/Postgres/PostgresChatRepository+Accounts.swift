import ChatCore
import Foundation
import PostgresNIO

/// Raising a token version is announced in its transaction, so every instance stops accepting the ended tokens
/// as soon as it commits.
extension PostgresChatRepository {
    func sessionState(of userID: String) async throws -> SessionVersions.State? {
        let rows = try await self.store.client.query(
            "SELECT token_version, deleted_at, disabled_at FROM users WHERE id = \(userID)",
            logger: self.logger
        )
        for try await (version, deletedAt, disabledAt) in rows.decode((Int64, Int64?, Int64?).self) {
            return SessionVersions.State(version: version, deleted: deletedAt != nil || disabledAt != nil)
        }
        return nil
    }

    func endSessions(of userID: String, passwordHash: String?) async throws -> Int64 {
        let event = try await self.store.transaction { connection -> ChatEvent in
            var version: Int64?
            for try await value in try await connection.query(
                """
                UPDATE users SET token_version = token_version + 1, password_hash = coalesce(\(passwordHash), password_hash)
                WHERE id = \(userID) AND deleted_at IS NULL RETURNING token_version
                """,
                logger: self.logger
            ).decode(Int64.self) {
                version = value
            }
            guard let version else { throw ChatError.invalidToken }
            let event = ChatEvent.sessionsEnded(userID: userID, version: version, deleted: false)
            try await self.announce(event, on: connection)
            return event
        }
        self.committed([event])
        guard case .sessionsEnded(_, let version, _) = event else { return 0 }
        return version
    }

    func setDisabled(_ userID: String, _ disabled: Bool, at date: Date) async throws -> Bool {
        let event = try await self.store.transaction { connection -> ChatEvent? in
            var version: Int64?
            let disabledAt: Int64? = disabled ? Timestamp.milliseconds(date) : nil
            for try await value in try await connection.query(
                """
                UPDATE users SET token_version = token_version + 1, disabled_at = \(disabledAt)
                WHERE id = \(userID) AND deleted_at IS NULL AND (disabled_at IS NULL) = \(disabled) RETURNING token_version
                """,
                logger: self.logger
            ).decode(Int64.self) {
                version = value
            }
            guard let version else { return nil }
            let event = ChatEvent.sessionsEnded(userID: userID, version: version, deleted: disabled)
            try await self.announce(event, on: connection)
            return event
        }
        guard let event else { return false }
        self.committed([event])
        return true
    }

    func closeAccount(_ userID: String, at date: Date) async throws {
        let event = try await self.store.transaction { connection -> ChatEvent in
            var version: Int64?
            for try await value in try await connection.query(
                """
                UPDATE users SET display_name = \(User.deletedName), email = NULL, email_key = NULL, password_hash = NULL, is_guest = TRUE,
                    deleted_at = \(date.milliseconds), token_version = token_version + 1
                WHERE id = \(userID) AND deleted_at IS NULL RETURNING token_version
                """,
                logger: self.logger
            ).decode(Int64.self) {
                version = value
            }
            guard let version else { throw ChatError.invalidToken }
            try await connection.query("DELETE FROM presence WHERE user_id = \(userID)", logger: self.logger)
            try await connection.query("DELETE FROM join_requests WHERE user_id = \(userID) AND status = 'pending'", logger: self.logger)
            try await connection.query(
                "UPDATE invites SET revoked_at = \(date.milliseconds) WHERE created_by = \(userID) AND revoked_at IS NULL",
                logger: self.logger
            )
            let event = ChatEvent.sessionsEnded(userID: userID, version: version, deleted: true)
            try await self.announce(event, on: connection)
            return event
        }
        self.committed([event])
    }

    func accountRemnants(of userID: String) async throws -> [String] {
        let rows = try await self.store.client.query(
            """
            SELECT group_id FROM memberships WHERE user_id = \(userID)
            UNION SELECT DISTINCT group_id FROM messages WHERE sender_id = \(userID) AND deleted_at IS NULL
            """,
            logger: self.logger
        )
        var groups: [String] = []
        for try await group in rows.decode(String.self) { groups.append(group) }
        return groups
    }

    /// Locks the group's row first, as every write that takes revs does, then erases a batch.
    func eraseMessages(of userID: String, in groupID: String, at date: Date, limit: Int) async throws -> Int {
        let events = try await self.store.transaction { connection -> [ChatEvent] in
            try await connection.query("SELECT 1 FROM groups WHERE id = \(groupID) FOR UPDATE", logger: self.logger)
            var seqs: [Int64] = []
            for try await seq in try await connection.query(
                """
                SELECT seq FROM messages WHERE sender_id = \(userID) AND group_id = \(groupID) AND deleted_at IS NULL
                ORDER BY seq LIMIT \(limit)
                """,
                logger: self.logger
            ).decode(Int64.self) {
                seqs.append(seq)
            }
            guard !seqs.isEmpty else { return [] }
            for seq in seqs {
                let rev = try await PostgresSQL.takeRev(groupID, on: connection, logger: self.logger)
                try await connection.query("DELETE FROM reactions WHERE group_id = \(groupID) AND seq = \(seq)", logger: self.logger)
                try await connection.query(
                    "UPDATE messages SET text = '', deleted_at = \(date.milliseconds), rev = \(rev) WHERE group_id = \(groupID) AND seq = \(seq)",
                    logger: self.logger
                )
            }
            let erased = try await PostgresSQL.messages(
                "\(unescaped: PostgresSQL.messageSelect) WHERE m.group_id = \(groupID) AND m.seq = ANY(\(seqs)) ORDER BY m.rev",
                on: connection,
                logger: self.logger
            )
            var events: [ChatEvent] = []
            for message in erased {
                let event = ChatEvent.messageUpdated(message)
                try await self.announce(event, on: connection)
                events.append(event)
            }
            return events
        }
        self.committed(events)
        return events.count
    }

    func unfinishedAccountDeletions(limit: Int) async throws -> [String] {
        let rows = try await self.store.client.query(
            """
            SELECT u.id FROM users u WHERE u.deleted_at IS NOT NULL
                AND (EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id)
                    OR EXISTS (SELECT 1 FROM messages x WHERE x.sender_id = u.id AND x.deleted_at IS NULL))
            ORDER BY u.deleted_at LIMIT \(limit)
            """,
            logger: self.logger
        )
        var users: [String] = []
        for try await user in rows.decode(String.self) { users.append(user) }
        return users
    }
}
