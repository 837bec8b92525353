import ChatCore
import Foundation
import SQLiteNIO

extension SQLiteChatRepository {
    func presenceOnline(userID: String, instance: String, at date: Date, expiresAt: Date) async throws -> PresenceUpdate? {
        try await self.store.write { transaction in
            let connection = transaction.connection
            let before = try await Self.livePresence(of: userID, at: date, on: connection)
            try await connection.execute(
                """
                INSERT INTO presence (user_id, instance_id, seen_at, expires_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (user_id, instance_id) DO UPDATE SET seen_at = excluded.seen_at, expires_at = excluded.expires_at
                """,
                [.text(userID), .text(instance), .date(date), .date(expiresAt)]
            )
            guard before == 0 else { return nil }
            return try await Self.announce(userID, .online, at: date, in: transaction)
        }
    }

    func presenceOffline(userID: String, instance: String, at date: Date) async throws -> PresenceUpdate? {
        try await self.store.write { transaction in
            let connection = transaction.connection
            let removed = try await connection.rows(
                "DELETE FROM presence WHERE user_id = ? AND instance_id = ? RETURNING user_id",
                [.text(userID), .text(instance)]
            )
            guard !removed.isEmpty, try await Self.livePresence(of: userID, at: date, on: connection) == 0 else { return nil }
            return try await Self.announce(userID, .offline, at: date, in: transaction)
        }
    }

    func renewPresence(instance: String, at date: Date, until expiresAt: Date) async throws -> Int {
        try await self.store.write { transaction in
            try await transaction.connection.rows(
                "UPDATE presence SET seen_at = ?, expires_at = ? WHERE instance_id = ? RETURNING user_id",
                [.date(date), .date(expiresAt), .text(instance)]
            ).count
        }
    }

    func expirePresence(at date: Date) async throws -> [PresenceUpdate] {
        try await self.store.write { transaction in
            let connection = transaction.connection
            let expired = try await connection.rows(
                "DELETE FROM presence WHERE expires_at <= ? RETURNING user_id, seen_at",
                [.date(date)]
            )
            var lastSeen: [String: Date] = [:]
            for row in expired {
                let seen = try row.date("seen_at")
                lastSeen[try row.text("user_id")] = max(lastSeen[try row.text("user_id")] ?? seen, seen)
            }
            var updates: [PresenceUpdate] = []
            for (userID, seen) in lastSeen.sorted(by: { $0.key < $1.key })
            where try await Self.livePresence(of: userID, at: date, on: connection) == 0 {
                updates.append(try await Self.announce(userID, .offline, at: seen, in: transaction))
            }
            return updates
        }
    }

    /// How many instances hold a live connection of the user.
    private static func livePresence(of userID: String, at date: Date, on connection: any SQLiteQuerying) async throws -> Int {
        try await connection.rows(
            "SELECT count(*) AS live FROM presence WHERE user_id = ? AND expires_at > ?",
            [.text(userID), .date(date)]
        ).first?.int("live") ?? 0
    }

    /// Records when the user was last seen, and emits the change to their groups.
    private static func announce(
        _ userID: String,
        _ status: Presence.Status,
        at date: Date,
        in transaction: SQLiteTransaction
    ) async throws -> PresenceUpdate {
        let connection = transaction.connection
        try await connection.execute("UPDATE users SET last_seen_at = ? WHERE id = ?", [.date(date), .text(userID)])
        let groups = try await connection.rows("SELECT group_id FROM memberships WHERE user_id = ?", [.text(userID)]).map { try $0.text("group_id") }
        let update = PresenceUpdate(userID: userID, status: status, lastSeenAt: date, groupIDs: groups)
        transaction.emit(.presence(update))
        return update
    }
}
