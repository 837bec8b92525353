import ChatCore
import ChatSQLite
import SQLiteNIO
import Synchronization

/// What the repository's SQL runs on: the native writer connection or a SQLiteNIO reader.
protocol SQLiteQuerying: Sendable {
    /// Runs one statement and returns its rows.
    func rows(_ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRecord]
}

extension SQLiteQuerying {
    func rows(_ sql: String) async throws -> [SQLiteRecord] {
        try await self.rows(sql, [])
    }

    /// Runs one statement for its effect.
    func execute(_ sql: String, _ binds: [SQLiteData] = []) async throws {
        _ = try await self.rows(sql, binds)
    }
}

extension NativeSQLiteConnection: SQLiteQuerying {
    func rows(_ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRecord] {
        try self.run(sql, binds)
    }
}

extension SQLiteConnection: SQLiteQuerying {
    /// Runs `sql` and collects its rows on the connection's thread, without a hop per row.
    func rows(_ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRecord] {
        let collected = Mutex<(columns: SQLiteColumns?, rows: [SQLiteRecord])>((nil, []))
        try await self.query(sql, binds) { row in
            collected.withLock { collected in
                let columns = collected.columns ?? SQLiteColumns(names: row.columns.map(\.name))
                collected.columns = columns
                collected.rows.append(SQLiteRecord(columns: columns, values: row.columns.map(\.data)))
            }
        }
        return collected.withLock { $0.rows }
    }
}

extension SQLiteConnection {
    /// Installs `chat_search_text(text)` on a SQLiteNIO connection (chat-bench's seeders and baseline write with
    /// one), as ``NativeSQLiteConnection/installSearchFunction()`` does on the writer.
    package func installSearchFunction() async throws {
        let function = SQLiteCustomFunction("chat_search_text", argumentCount: 1, pure: true, indirect: true) { values in
            guard case .text(let text) = values.first else { return nil as String? }
            return SearchText.indexable(text)
        }
        try await self.install(customFunction: function)
    }
}
