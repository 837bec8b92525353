import Foundation
import Logging
import PostgresNIO

/// Owns the connection pool to PostgreSQL, the schema and its migrations.
///
/// Migrations run under a session advisory lock, so that instances starting together apply each one once:
/// the others wait, then find it applied.
final class PostgresStore: Sendable {
    let url: PostgresURL
    let client: PostgresClient
    /// Tells this instance's notifications from the others'.
    let instanceID: String
    let logger: Logger
    /// This instance's events awaiting their notification (see ``PendingEvents``).
    let pending = PendingEvents()

    /// The advisory lock key that serialises migrations ("chatmigr" in ASCII).
    static let migrationLockKey: Int64 = 0x6368_6174_6D69_6772

    init(url: PostgresURL, instanceID: String, logger: Logger) {
        self.url = url
        self.instanceID = instanceID
        self.logger = logger
        self.client = PostgresClient(configuration: url.clientConfiguration(applicationName: "chat-server \(instanceID)"), backgroundLogger: logger)
    }

    /// Applies the named migrations this database has not seen. The pool must be running.
    func migrate(_ migrations: [Migration] = Migration.all) async throws {
        try await self.client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(Self.migrationLockKey))", logger: self.logger)
            do {
                try await Self.applyMigrations(migrations, on: connection, logger: self.logger)
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLockKey))", logger: self.logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLockKey))", logger: self.logger)
        }
    }

    private static func applyMigrations(_ migrations: [Migration], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)",
            logger: logger
        )
        var applied = Set<String>()
        for try await name in try await connection.query("SELECT name FROM schema_migrations", logger: logger).decode(String.self) {
            applied.insert(name)
        }
        if let unknown = applied.subtracting(migrations.map(\.name)).sorted().first {
            throw ConfigurationError("the database has migration \(unknown), which this chat-server does not know: is it older than the data?")
        }
        for migration in migrations where !applied.contains(migration.name) {
            try await connection.withTransaction(logger: logger) { connection in
                for statement in migration.postgres {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                try await connection.query("INSERT INTO schema_migrations (name, applied_at) VALUES (\(migration.name), \(now))", logger: logger)
            }
            logger.info("Applied migration", metadata: ["migration": "\(migration.name)"])
        }
    }

    /// Runs `body` in a transaction on a pooled connection; it commits when `body` returns. When `body` throws,
    /// the transaction is rolled back and `body`'s own error is rethrown (not PostgresNIO's wrapper), so that
    /// domain errors and constraint violations reach the caller as they are.
    /// `operation` names the storage span (the calling repository method).
    func transaction<T: Sendable>(operation: String = #function, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await ServerTracing.storage("postgresql", operation) {
            do {
                return try await self.client.withTransaction(logger: self.logger) { connection in try await body(connection) }
            } catch let error as PostgresTransactionError {
                throw error.closureError ?? error.commitError ?? error.beginError ?? error
            }
        }
    }

    /// Runs `body` on a pooled connection, outside a transaction.
    func read<T: Sendable>(operation: String = #function, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await ServerTracing.storage("postgresql", operation) {
            try await self.client.withConnection { connection in try await body(connection) }
        }
    }
}

extension PSQLError {
    /// The SQLSTATE of a server error, such as `23505` for a unique violation.
    var sqlState: String? { self.serverInfo?[.sqlState] }

    /// The constraint a server error names, if any.
    var constraint: String? { self.serverInfo?[.constraintName] }
}

extension Error {
    /// Whether this is PostgreSQL's unique violation on `constraint`.
    func isUniqueViolation(_ constraint: String) -> Bool {
        guard let error = self as? PSQLError else { return false }
        return error.sqlState == "23505" && error.constraint == constraint
    }
}

extension Date {
    /// Milliseconds since the epoch, as the schema stores times.
    var milliseconds: Int64 { Int64((self.timeIntervalSince1970 * 1000).rounded()) }

    init(milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
