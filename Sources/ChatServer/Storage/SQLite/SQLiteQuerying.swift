import ChatCore
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

/// The names of a statement's columns, shared by all of its rows.
final class SQLiteColumns: Sendable {
    let names: [String]
    private let offsets: [String: Int]

    init(names: [String]) {
        self.names = names
        self.offsets = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    var count: Int { self.names.count }

    func offset(of name: String) -> Int? { self.offsets[name] }
}

/// One row of a result, read by column name (see `SQLiteRecord+Decoding`).
struct SQLiteRecord: Sendable {
    let columns: SQLiteColumns
    let values: [SQLiteData]

    func column(_ name: String) -> SQLiteData? {
        self.columns.offset(of: name).map { self.values[$0] }
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
