import ChatCore
import Foundation
import PostgresNIO

/// A user's presence changes under a lock on their `users` row, so that two instances deciding about the same
/// user (one connection opening here while the last one closes there) take turns and announce one change.
extension PostgresChatRepository {
    /// The advisory lock key that lets one instance at a time sweep expired presence ("chatpres" in ASCII).
    static let presenceSweepLockKey: Int64 = 0x6368_6174_7072_6573

    func presenceOnline(userID: String, instance: String, at date: Date, expiresAt: Date) async throws -> PresenceUpdate? {
        try await self.presenceWrite { connection in
            guard try await self.lockUser(userID, on: connection) else { return [] }
            let before = try await self.livePresence(of: userID, at: date, on: connection)
            try await connection.query(
                """
                INSERT INTO presence (user_id, instance_id, seen_at, expires_at)
                VALUES (\(userID), \(instance), \(date.milliseconds), \(expiresAt.milliseconds))
                ON CONFLICT (user_id, instance_id) DO UPDATE SET seen_at = excluded.seen_at, expires_at = excluded.expires_at
                """,
                logger: self.logger
            )
            guard before == 0 else { return [] }
            return [try await self.announce(userID, .online, at: date, on: connection)]
        }.first
    }

    func presenceOffline(userID: String, instance: String, at date: Date) async throws -> PresenceUpdate? {
        try await self.presenceWrite { connection in
            guard try await self.lockUser(userID, on: connection) else { return [] }
            var removed = false
            for try await _ in try await connection.query(
                "DELETE FROM presence WHERE user_id = \(userID) AND instance_id = \(instance) RETURNING user_id",
                logger: self.logger
            ).decode(String.self) {
                removed = true
            }
            guard removed, try await self.livePresence(of: userID, at: date, on: connection) == 0 else { return [] }
            return [try await self.announce(userID, .offline, at: date, on: connection)]
        }.first
    }

    func renewPresence(instance: String, at date: Date, until expiresAt: Date) async throws -> Int {
        var count = 0
        for try await _ in try await self.store.client.query(
            "UPDATE presence SET seen_at = \(date.milliseconds), expires_at = \(expiresAt.milliseconds) WHERE instance_id = \(instance) RETURNING user_id",
            logger: self.logger
        ).decode(String.self) {
            count += 1
        }
        return count
    }

    func expirePresence(at date: Date) async throws -> [PresenceUpdate] {
        try await self.presenceWrite { connection in
            var locked = false
            for try await value in try await connection.query(
                "SELECT pg_try_advisory_xact_lock(\(Self.presenceSweepLockKey))",
                logger: self.logger
            ).decode(Bool.self) {
                locked = value
            }
            // Another instance is sweeping: it announces what expired.
            guard locked else { return [] }
            var lastSeen: [String: Int64] = [:]
            for try await (userID, seen) in try await connection.query(
                "DELETE FROM presence WHERE expires_at <= \(date.milliseconds) RETURNING user_id, seen_at",
                logger: self.logger
            ).decode((String, Int64).self) {
                lastSeen[userID] = max(lastSeen[userID] ?? seen, seen)
            }
            var updates: [PresenceUpdate] = []
            for (userID, seen) in lastSeen.sorted(by: { $0.key < $1.key }) {
                guard try await self.lockUser(userID, on: connection), try await self.livePresence(of: userID, at: date, on: connection) == 0
                else { continue }
                updates.append(try await self.announce(userID, .offline, at: Date(milliseconds: seen), on: connection))
            }
            return updates
        }
    }

    /// Runs `body` in a transaction, then publishes the presence changes it announced to this instance's sockets.
    private func presenceWrite(_ body: @escaping @Sendable (PostgresConnection) async throws -> [PresenceUpdate]) async throws -> [PresenceUpdate] {
        let updates = try await self.store.transaction { connection in try await body(connection) }
        self.committed(updates.map { .presence($0) })
        return updates
    }

    /// Locks the user's row until the transaction ends; `false` when the user no longer exists.
    private func lockUser(_ userID: String, on connection: PostgresConnection) async throws -> Bool {
        for try await _ in try await connection.query("SELECT id FROM users WHERE id = \(userID) FOR UPDATE", logger: self.logger)
            .decode(String.self)
        {
            return true
        }
        return false
    }

    /// How many instances hold a live connection of the user.
    private func livePresence(of userID: String, at date: Date, on connection: PostgresConnection) async throws -> Int64 {
        for try await count in try await connection.query(
            "SELECT count(*) FROM presence WHERE user_id = \(userID) AND expires_at > \(date.milliseconds)",
            logger: self.logger
        ).decode(Int64.self) {
            return count
        }
        return 0
    }

    /// Records when the user was last seen, and announces the change to the other instances.
    private func announce(
        _ userID: String,
        _ status: Presence.Status,
        at date: Date,
        on connection: PostgresConnection
    ) async throws -> PresenceUpdate {
        try await connection.query("UPDATE users SET last_seen_at = \(date.milliseconds) WHERE id = \(userID)", logger: self.logger)
        let groups = try await PostgresSQL.groupIDs(of: userID, on: connection, logger: self.logger)
        let update = PresenceUpdate(userID: userID, status: status, lastSeenAt: date, groupIDs: groups)
        try await self.announce(.presence(update), on: connection)
        return update
    }
}
