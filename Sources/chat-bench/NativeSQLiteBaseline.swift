import ChatCore
import ChatSQLite
import ChatServer
import Foundation
import VaporCSQLite

/// The ingest baseline that tells what the machine can do: the SQLite C API on a thread of its own, statements
/// prepared once, on the schema chat-server creates, with its durability (WAL, `synchronous=FULL`, foreign keys
/// on), the same two statements per message as chat-server's insert (the search index's triggers included),
/// 100 rows per transaction (or as many as chat-server's commits carried). The rows go to `targets` in turn:
/// the scenario's groups, each with its sender, so that the loop writes to as many places in the tables as
/// chat-server does; or one group, the easier case.
///
/// It calls the SQLite that SQLiteNIO embeds (its `sqlite_nio_` symbols), so the process holds one copy of
/// SQLite: two copies would break POSIX file locking between them.
final class NativeSQLiteBaseline {
    static let rowsPerTransaction = SQLiteBaseline.rowsPerTransaction

    private var database: OpaquePointer?
    private var statements: [OpaquePointer?] = []

    /// Rows per second over `seconds`, on the database file at `path`, into each of `targets` in turn; the loop
    /// runs on a thread of its own, so that no executor stands between it and SQLite.
    static func rowsPerSecond(
        path: String,
        targets: [BaselineTarget],
        rowsPerTransaction: Int = NativeSQLiteBaseline.rowsPerTransaction,
        seconds: Double,
        progress: Progress
    ) async throws -> Double {
        precondition(rowsPerTransaction >= 1, "a transaction needs a row")
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    with: Result {
                        let baseline = try NativeSQLiteBaseline(path: path)
                        defer { baseline.close() }
                        return try baseline.run(targets: targets, rowsPerTransaction: rowsPerTransaction, seconds: seconds, progress: progress)
                    }
                )
            }
            thread.start()
        }
    }

    private init(path: String) throws {
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        guard sqlite_nio_sqlite3_open_v2(path, &self.database, flags, nil) == SQLITE_OK else {
            defer { self.close() }
            throw self.failure("open \(path)")
        }
        // chat-server's own settings, the same list its writer runs.
        for pragma in ["PRAGMA journal_mode = WAL"] + SQLiteSettings.writerPragmas {
            try self.execute(pragma)
        }
        try self.installSearchFunction()
        for sql in [
            """
            UPDATE groups SET last_seq = last_seq + 1, last_rev = last_rev + 1, last_activity_at = max(last_activity_at, ?1)
            WHERE id = ?2 AND EXISTS (SELECT 1 FROM memberships WHERE group_id = ?2 AND user_id = ?3)
            RETURNING last_seq, last_rev, (SELECT display_name FROM users WHERE id = ?3) AS display_name
            """,
            """
            INSERT INTO messages (group_id, seq, rev, created_rev, id, sender_id, text, client_id, created_at, search_rowid)
            VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, (SELECT coalesce(max(search_rowid), 0) + 1 FROM messages))
            """,
        ] {
            var statement: OpaquePointer?
            guard sqlite_nio_sqlite3_prepare_v3(self.database, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK else {
                throw self.failure("prepare")
            }
            self.statements.append(statement)
        }
    }

    private func run(targets: [BaselineTarget], rowsPerTransaction: Int, seconds: Double, progress: Progress) throws -> Double {
        precondition(!targets.isEmpty, "the baseline needs a group to write to")
        let (take, insert) = (self.statements[0], self.statements[1])
        let text = LoadMark.text(group: 0, index: 0, nanos: nowNanos())
        let start = ContinuousClock.now
        let end = start + .milliseconds(Int64(seconds * 1000))
        var rows = 0
        while ContinuousClock.now < end {
            try self.execute("BEGIN IMMEDIATE")
            for _ in 0..<rowsPerTransaction {
                let target = targets[rows % targets.count]
                let now = Date()
                let milliseconds = Int64(now.timeIntervalSince1970 * 1000)
                sqlite_nio_sqlite3_bind_int64(take, 1, milliseconds)
                Self.bind(target.groupID, to: take, at: 2)
                Self.bind(target.senderID, to: take, at: 3)
                guard sqlite_nio_sqlite3_step(take) == SQLITE_ROW else { throw self.failure("take the group's next seq") }
                let (seq, rev) = (sqlite_nio_sqlite3_column_int64(take, 0), sqlite_nio_sqlite3_column_int64(take, 1))
                guard sqlite_nio_sqlite3_step(take) == SQLITE_DONE else { throw self.failure("finish the update") }
                sqlite_nio_sqlite3_reset(take)

                Self.bind(target.groupID, to: insert, at: 1)
                sqlite_nio_sqlite3_bind_int64(insert, 2, seq)
                sqlite_nio_sqlite3_bind_int64(insert, 3, rev)
                Self.bind(UUIDv7.make(at: now), to: insert, at: 4)
                Self.bind(target.senderID, to: insert, at: 5)
                Self.bind(text, to: insert, at: 6)
                Self.bind("n\(rows)", to: insert, at: 7)
                sqlite_nio_sqlite3_bind_int64(insert, 8, milliseconds)
                guard sqlite_nio_sqlite3_step(insert) == SQLITE_DONE else { throw self.failure("insert") }
                sqlite_nio_sqlite3_reset(insert)
                rows += 1
            }
            try self.execute("COMMIT")
            progress.update("ingest native baseline: \(rows) rows")
        }
        return Double(rows) / (ContinuousClock.now - start).seconds
    }

    /// Registers `chat_search_text`, which the search index's triggers call: chat-server's own function.
    private func installSearchFunction() throws {
        let code = NativeSQLiteConnection.installSearchFunction(on: self.database)
        guard code == SQLITE_OK else { throw self.failure("register chat_search_text") }
    }

    private static func bind(_ text: String, to statement: OpaquePointer?, at index: Int32) {
        sqlite_nio_sqlite3_bind_text(statement, index, text, -1, nativeTransient)
    }

    private func execute(_ sql: String) throws {
        guard sqlite_nio_sqlite3_exec(self.database, sql, nil, nil, nil) == SQLITE_OK else { throw self.failure(sql) }
    }

    private func failure(_ doing: String) -> BenchError {
        let message = self.database.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "no database"
        return BenchError("native SQLite baseline: \(doing): \(message)")
    }

    private func close() {
        for statement in self.statements { sqlite_nio_sqlite3_finalize(statement) }
        self.statements = []
        sqlite_nio_sqlite3_close_v2(self.database)
        self.database = nil
    }
}

/// A group the baseline writes to, and its member who sends.
struct BaselineTarget: Sendable {
    let groupID: String
    let senderID: String
}

/// SQLITE_TRANSIENT: SQLite copies the bytes before the call returns.
private let nativeTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
