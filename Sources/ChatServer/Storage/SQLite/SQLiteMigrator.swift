import Foundation
import Logging
import SQLiteNIO

/// Applies the named ``Migration``s that a SQLite database has not seen, each in its own transaction.
struct SQLiteMigrator {
    let connection: SQLiteConnection
    let logger: Logger

    func migrate(_ migrations: [Migration]) async throws {
        _ = try await self.connection.query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY NOT NULL, applied_at INTEGER NOT NULL) STRICT"
        )
        let applied = Set(try await self.connection.rows("SELECT name FROM schema_migrations").compactMap { $0.column("name")?.string })
        let known = Set(migrations.map(\.name))
        if let unknown = applied.subtracting(known).sorted().first {
            throw SQLiteStoreError(message: "the database has migration \(unknown), which this chat-server does not know: is it older than the data?")
        }
        for migration in migrations where !applied.contains(migration.name) {
            _ = try await self.connection.query("BEGIN IMMEDIATE")
            do {
                for statement in migration.sqlite {
                    _ = try await self.connection.query(statement)
                }
                _ = try await self.connection.query(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                    [.text(migration.name), .integer(Int(Date().timeIntervalSince1970 * 1000))]
                )
                _ = try await self.connection.query("COMMIT")
                self.logger.info("Applied migration", metadata: ["migration": "\(migration.name)"])
            } catch {
                _ = try? await self.connection.query("ROLLBACK")
                throw error
            }
        }
    }
}
