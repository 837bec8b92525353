import Foundation
import Logging
import SQLiteNIO

/// Applies the named ``Migration``s that a SQLite database has not seen, each in its own transaction.
struct SQLiteMigrator {
    let connection: any SQLiteQuerying
    let logger: Logger

    func migrate(_ migrations: [Migration]) async throws {
        try await self.connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY NOT NULL, applied_at INTEGER NOT NULL) STRICT"
        )
        let applied = Set(try await self.connection.rows("SELECT name FROM schema_migrations").compactMap { $0.column("name")?.string })
        let known = Set(migrations.map(\.name))
        if let unknown = applied.subtracting(known).sorted().first {
            throw SQLiteStoreError(message: "the database has migration \(unknown), which this chat-server does not know: is it older than the data?")
        }
        for migration in migrations where !applied.contains(migration.name) {
            try await self.connection.execute("BEGIN IMMEDIATE")
            do {
                for statement in migration.sqlite {
                    try await self.connection.execute(statement)
                }
                try await self.connection.execute(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                    [.text(migration.name), .integer(Int(Date().timeIntervalSince1970 * 1000))]
                )
                try await self.connection.execute("COMMIT")
                self.logger.info("Applied migration", metadata: ["migration": "\(migration.name)"])
            } catch {
                try? await self.connection.execute("ROLLBACK")
                throw error
            }
        }
    }
}
