import ChatCore
import NIOCore
import SQLiteNIO
import Synchronization
import VaporCSQLite

/// The writer's SQLite connection, driven through the C API with each statement prepared once and kept.
///
/// SQLiteNIO hops to its thread pool and back for every statement and prepares each one anew; on the write path
/// that cost more than SQLite itself. This connection runs a statement on the calling thread (the writer's own,
/// see ``WriterExecutor``), so a batch of writes runs without a hop. It calls the SQLite that SQLiteNIO embeds
/// (its `sqlite_nio_` symbols): one copy of SQLite in the process, or POSIX file locks would not see each other.
package final class NativeSQLiteConnection: @unchecked Sendable {
    // @unchecked: the handle and the statement cache are only touched under `lock`.
    private struct Prepared {
        let statement: OpaquePointer
        let columns: SQLiteColumns
    }

    /// Statements kept at most; more (which only ad-hoc SQL would need) empties the cache.
    private static let cacheLimit = 256

    private let lock = Mutex<Void>(())
    private var handle: OpaquePointer?
    private var cache: [String: Prepared] = [:]

    /// Opens the database file at `path` (created if missing), or a private in-memory database when `nil`.
    package init(path: String?) throws {
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite_nio_sqlite3_open_v2(path ?? ":memory:", &self.handle, flags, nil)
        guard code == SQLITE_OK else {
            let error = NativeSQLiteError(code: code, handle: self.handle)
            sqlite_nio_sqlite3_close_v2(self.handle)
            self.handle = nil
            throw error
        }
        sqlite_nio_sqlite3_extended_result_codes(self.handle, 1)
    }

    deinit { self.close() }

    /// Whether a transaction is open: SQLite rolls one back by itself on some errors, which this tells.
    package var inTransaction: Bool {
        self.lock.withLock { _ in self.handle.map { sqlite_nio_sqlite3_get_autocommit($0) == 0 } ?? false }
    }

    /// Runs one statement on the calling thread and returns its rows.
    @discardableResult
    package func run(_ sql: String, _ binds: [SQLiteData] = []) throws -> [SQLiteRecord] {
        try self.lock.withLock { _ in
            guard let handle = self.handle else { throw NativeSQLiteError(code: SQLITE_MISUSE, message: "the connection is closed") }
            let prepared = try self.prepared(sql, on: handle)
            defer {
                sqlite_nio_sqlite3_reset(prepared.statement)
                sqlite_nio_sqlite3_clear_bindings(prepared.statement)
            }
            for (index, value) in binds.enumerated() {
                let code = Self.bind(value, to: prepared.statement, at: Int32(index + 1))
                guard code == SQLITE_OK else { throw NativeSQLiteError(code: code, handle: handle) }
            }
            var rows: [SQLiteRecord] = []
            while true {
                let code = sqlite_nio_sqlite3_step(prepared.statement)
                if code == SQLITE_DONE { return rows }
                guard code == SQLITE_ROW else { throw NativeSQLiteError(code: code, handle: handle) }
                rows.append(SQLiteRecord(columns: prepared.columns, values: Self.values(of: prepared.statement, count: prepared.columns.count)))
            }
        }
    }

    /// Installs `chat_search_text(text)`, which the search triggers call (see ``Migration/search``).
    package func installSearchFunction() throws {
        try self.lock.withLock { _ in
            let code = Self.installSearchFunction(on: self.handle)
            guard code == SQLITE_OK else { throw NativeSQLiteError(code: code, handle: self.handle) }
        }
    }

    /// Registers `chat_search_text` on a database handle of one's own (chat-bench's native baseline); returns
    /// SQLite's result code.
    package static func installSearchFunction(on handle: OpaquePointer?) -> Int32 {
        sqlite_nio_sqlite3_create_function_v2(
            handle,
            "chat_search_text",
            1,
            SQLITE_UTF8 | SQLITE_DETERMINISTIC,
            nil,
            { context, _, values in
                guard let value = values?[0], sqlite_nio_sqlite3_value_type(value) == SQLITE_TEXT,
                    let text = sqlite_nio_sqlite3_value_text(value)
                else {
                    sqlite_nio_sqlite3_result_null(context)
                    return
                }
                let count = Int(sqlite_nio_sqlite3_value_bytes(value))
                let indexable = SearchText.indexable(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
                sqlite_nio_sqlite3_result_text(context, indexable, -1, transientDestructor)
            },
            nil,
            nil,
            nil
        )
    }

    /// Finalises every statement and closes the database; later calls fail.
    package func close() {
        self.lock.withLock { _ in
            for prepared in self.cache.values { sqlite_nio_sqlite3_finalize(prepared.statement) }
            self.cache = [:]
            sqlite_nio_sqlite3_close_v2(self.handle)
            self.handle = nil
        }
    }

    private func prepared(_ sql: String, on handle: OpaquePointer) throws -> Prepared {
        if let prepared = self.cache[sql] { return prepared }
        if self.cache.count >= Self.cacheLimit {
            for prepared in self.cache.values { sqlite_nio_sqlite3_finalize(prepared.statement) }
            self.cache = [:]
        }
        var statement: OpaquePointer?
        // The tail points into the C string, so it is read while that lives.
        let (code, rest) = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let code = sqlite_nio_sqlite3_prepare_v3(handle, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, &tail)
            return (code, tail.map { String(cString: $0) } ?? "")
        }
        guard code == SQLITE_OK, let statement else { throw NativeSQLiteError(code: code, handle: handle) }
        if rest.contains(where: { !$0.isWhitespace }) {
            sqlite_nio_sqlite3_finalize(statement)
            throw NativeSQLiteError(code: SQLITE_MISUSE, message: "one statement per call: \(sql)")
        }
        let count = sqlite_nio_sqlite3_column_count(statement)
        let names = (0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) }
        let prepared = Prepared(statement: statement, columns: SQLiteColumns(names: names))
        self.cache[sql] = prepared
        return prepared
    }

    private static func bind(_ value: SQLiteData, to statement: OpaquePointer, at index: Int32) -> Int32 {
        switch value {
        case .integer(let integer):
            return sqlite_nio_sqlite3_bind_int64(statement, index, Int64(integer))
        case .float(let double):
            return sqlite_nio_sqlite3_bind_double(statement, index, double)
        case .text(var text):
            return text.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    guard let start = chars.baseAddress else { return sqlite_nio_sqlite3_bind_text(statement, index, "", 0, transientDestructor) }
                    return sqlite_nio_sqlite3_bind_text(statement, index, start, Int32(chars.count), transientDestructor)
                }
            }
        case .blob(let buffer):
            return buffer.withUnsafeReadableBytes { bytes in
                sqlite_nio_sqlite3_bind_blob(statement, index, bytes.baseAddress, Int32(bytes.count), transientDestructor)
            }
        case .null:
            return sqlite_nio_sqlite3_bind_null(statement, index)
        }
    }

    private static func values(of statement: OpaquePointer, count: Int) -> [SQLiteData] {
        (0..<Int32(count)).map { column in
            switch sqlite_nio_sqlite3_column_type(statement, column) {
            case SQLITE_INTEGER:
                return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
            case SQLITE_FLOAT:
                return .float(sqlite_nio_sqlite3_column_double(statement, column))
            case SQLITE_TEXT:
                let bytes = sqlite_nio_sqlite3_column_text(statement, column)
                let length = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                return .text(bytes.map { String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self) } ?? "")
            case SQLITE_BLOB:
                let length = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                guard let bytes = sqlite_nio_sqlite3_column_blob(statement, column), length > 0 else { return .blob(ByteBuffer()) }
                return .blob(ByteBuffer(bytes: UnsafeRawBufferPointer(start: bytes, count: length)))
            default:
                return .null
            }
        }
    }
}

/// A failure reported by SQLite through ``NativeSQLiteConnection``, with its extended result code.
package struct NativeSQLiteError: Error, CustomStringConvertible {
    package let code: Int32
    package let message: String

    package init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    package init(code: Int32, handle: OpaquePointer?) {
        self.code = code
        self.message = handle.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "SQLite error \(code)"
    }

    /// The primary result code (`SQLITE_FULL`, `SQLITE_IOERR`…), without the extended part.
    package var primaryCode: Int32 { self.code & 0xff }

    /// `SQLITE_CONSTRAINT_UNIQUE` or `SQLITE_CONSTRAINT_PRIMARYKEY` (C macros that Swift does not import).
    package var isUniqueViolation: Bool { self.code == SQLITE_CONSTRAINT | (8 << 8) || self.code == SQLITE_CONSTRAINT | (6 << 8) }

    package var description: String { "SQLite error \(self.code): \(self.message)" }
}

/// SQLITE_TRANSIENT: SQLite copies the bytes before the call returns.
private let transientDestructor = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
