import ChatCore
import Foundation
import Logging

/// Opens the configured database for `chat-server admin`, beside a running server: SQLite through connections of
/// its own (WAL lets the server keep writing), PostgreSQL as one more client.
package enum AdminDatabase {
    /// Runs `body` on the database at `location`, then closes it.
    package static func with<T: Sendable>(
        _ location: DatabaseLocation,
        logger: Logger,
        _ body: @Sendable (any AdminRepository) async throws -> T
    ) async throws -> T {
        switch location {
        case .sqliteMemory:
            throw ConfigurationError("DATABASE_URL is sqlite://:memory:, which lives only inside a running server: there is nothing to administer")
        case .sqliteFile(let path):
            let store = try await self.openSQLite(path, logger: logger)
            do {
                let result = try await body(SQLiteChatRepository(store: store))
                await store.close()
                return result
            } catch {
                await store.close()
                throw error
            }
        case .postgres(let url):
            let store = PostgresStore(url: try PostgresURL(url), instanceID: "admin-\(UUIDv7.make().suffix(8))", logger: logger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.client.run() }
                defer { group.cancelAll() }
                try await store.migrate()
                return try await body(PostgresChatRepository(store: store, sink: DiscardingSink(), publishing: .onCommit))
            }
        }
    }

    /// An existing SQLite database (the admin command never creates one).
    static func openSQLite(_ path: String, logger: Logger) async throws -> SQLiteStore {
        try self.requireSQLiteFile(path)
        return try await SQLiteStore.open(location: .file(path), readerCount: 1, sink: DiscardingSink(), logger: logger)
    }

    /// Refuses a database path where there is no file.
    static func requireSQLiteFile(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigurationError("no database at \(path): check DATABASE_URL (or --database-url) and the working directory")
        }
    }
}

/// Events of the admin command's own writes go nowhere here: running servers hear of them through the database.
struct DiscardingSink: ChatEventSink {
    func publish(_ events: [ChatEvent]) {}
}
