import ChatCore
import Foundation
import SQLiteNIO

extension SQLiteChatRepository {
    func sessionState(of userID: String) async throws -> SessionVersions.State? {
        try await self.store.read { connection in
            try await connection.rows("SELECT token_version, deleted_at, disabled_at FROM users WHERE id = ?", [.text(userID)]).first.map { row in
                SessionVersions.State(
                    version: Int64(try row.int("token_version")),
                    deleted: row.optionalInt("deleted_at") != nil || row.optionalInt("disabled_at") != nil
                )
            }
        }
    }

    func endSessions(of userID: String, passwordHash: String?) async throws -> Int64 {
        try await self.store.write { transaction in
            guard
                let row = try await transaction.connection.rows(
                    """
                    UPDATE users SET token_version = token_version + 1, password_hash = coalesce(?, password_hash)
                    WHERE id = ? AND deleted_at IS NULL RETURNING token_version
                    """,
                    [.optionalText(passwordHash), .text(userID)]
                ).first
            else { throw ChatError.invalidToken }
            let version = Int64(try row.int("token_version"))
            transaction.emit(.sessionsEnded(userID: userID, version: version, deleted: false))
            return version
        }
    }

    func setDisabled(_ userID: String, _ disabled: Bool, at date: Date) async throws -> Bool {
        try await self.store.write { transaction in
            // Either way the version moves on: disabling ends every token, enabling starts from a clean slate.
            guard
                let row = try await transaction.connection.rows(
                    """
                    UPDATE users SET token_version = token_version + 1, disabled_at = ?
                    WHERE id = ? AND deleted_at IS NULL AND (disabled_at IS NULL) = ? RETURNING token_version
                    """,
                    [disabled ? .date(date) : .null, .text(userID), .integer(disabled ? 1 : 0)]
                ).first
            else { return false }
            transaction.emit(.sessionsEnded(userID: userID, version: Int64(try row.int("token_version")), deleted: disabled))
            return true
        }
    }

    func closeAccount(_ userID: String, at date: Date) async throws {
        try await self.store.write { transaction in
            let connection = transaction.connection
            guard
                let row = try await connection.rows(
                    """
                    UPDATE users SET display_name = ?, email = NULL, email_key = NULL, password_hash = NULL, is_guest = 1,
                        deleted_at = ?, token_version = token_version + 1
                    WHERE id = ? AND deleted_at IS NULL RETURNING token_version
                    """,
                    [.text(User.deletedName), .date(date), .text(userID)]
                ).first
            else { throw ChatError.invalidToken }
            try await connection.execute("DELETE FROM presence WHERE user_id = ?", [.text(userID)])
            try await connection.execute("DELETE FROM join_requests WHERE user_id = ? AND status = 'pending'", [.text(userID)])
            try await connection.execute(
                "UPDATE invites SET revoked_at = ? WHERE created_by = ? AND revoked_at IS NULL",
                [.date(date), .text(userID)]
            )
            transaction.emit(.sessionsEnded(userID: userID, version: Int64(try row.int("token_version")), deleted: true))
        }
    }

    func accountRemnants(of userID: String) async throws -> [String] {
        try await self.store.read { connection in
            try await connection.rows(
                """
                SELECT group_id FROM memberships WHERE user_id = ?
                UNION SELECT DISTINCT group_id FROM messages WHERE sender_id = ? AND deleted_at IS NULL
                """,
                [.text(userID), .text(userID)]
            ).map { try $0.text("group_id") }
        }
    }

    func eraseMessages(of userID: String, in groupID: String, at date: Date, limit: Int) async throws -> Int {
        try await self.store.write { transaction in
            let connection = transaction.connection
            let seqs = try await connection.rows(
                "SELECT seq FROM messages WHERE sender_id = ? AND group_id = ? AND deleted_at IS NULL ORDER BY seq LIMIT ?",
                [.text(userID), .text(groupID), .integer(limit)]
            ).map { Int64(try $0.int("seq")) }
            guard !seqs.isEmpty else { return 0 }
            for seq in seqs {
                let rev = try await SQLiteSQL.takeRev(groupID, on: connection)
                let key: [SQLiteData] = [.text(groupID), .integer(Int(seq))]
                try await connection.execute("DELETE FROM reactions WHERE group_id = ? AND seq = ?", key)
                try await connection.execute(
                    "UPDATE messages SET text = '', deleted_at = ?, rev = ? WHERE group_id = ? AND seq = ?",
                    [.date(date), .integer(Int(rev))] + key
                )
            }
            let placeholders = Array(repeating: "?", count: seqs.count).joined(separator: ", ")
            let erased = try await SQLiteSQL.messages(
                "\(SQLiteSQL.messageSelect) WHERE m.group_id = ? AND m.seq IN (\(placeholders)) ORDER BY m.rev",
                [.text(groupID)] + seqs.map { .integer(Int($0)) },
                on: connection
            )
            for message in erased { transaction.emit(.messageUpdated(message)) }
            return seqs.count
        }
    }

    func unfinishedAccountDeletions(limit: Int) async throws -> [String] {
        try await self.store.read { connection in
            try await connection.rows(
                """
                SELECT u.id FROM users u WHERE u.deleted_at IS NOT NULL
                    AND (EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id)
                        OR EXISTS (SELECT 1 FROM messages x WHERE x.sender_id = u.id AND x.deleted_at IS NULL))
                ORDER BY u.deleted_at LIMIT ?
                """,
                [.integer(limit)]
            ).map { try $0.text("id") }
        }
    }
}
