import ChatCore
import Foundation
import Logging
import NIOPosix
import SQLiteNIO
import Synchronization

/// Owns one SQLite database: its connections, its schema and the queue that commits its writes.
///
/// The file runs in WAL mode with `synchronous=FULL`, so a commit that returned has reached the disk.
/// One writer connection takes every write through ``SQLiteWriteQueue`` (group commit); a few read-only
/// connections serve reads concurrently. An in-memory database has a single connection for both.
final class SQLiteStore: Sendable {
    /// Where the database lives.
    enum Location: Sendable, Hashable {
        case file(String)
        case memory
    }

    let location: Location
    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let nextReader = Atomic<Int>(0)
    private let queue: SQLiteWriteQueue
    private let threadPool: NIOThreadPool
    /// Where committed events go.
    let sink: any ChatEventSink

    private init(location: Location, writer: SQLiteConnection, readers: [SQLiteConnection], threadPool: NIOThreadPool, sink: any ChatEventSink) {
        self.location = location
        self.writer = writer
        self.readers = readers
        self.threadPool = threadPool
        self.sink = sink
        self.queue = SQLiteWriteQueue(connection: writer, sink: sink)
    }

    /// Opens (creating if needed) the database at `location` and brings its schema up to date.
    static func open(location: Location, readerCount: Int = 2, sink: any ChatEventSink, logger: Logger) async throws -> SQLiteStore {
        let threadPool = NIOThreadPool(numberOfThreads: readerCount + 1)
        threadPool.start()
        do {
            let storage: SQLiteConnection.Storage
            switch location {
            case .memory:
                storage = .memory
            case .file(let path):
                try PrivateFiles.prepare(file: path, logger: logger)
                storage = .file(path: path)
            }
            let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
            let writer = try await SQLiteConnection.open(storage: storage, threadPool: threadPool, logger: logger, on: eventLoop)
            if case .file = location {
                let mode = try await writer.query("PRAGMA journal_mode = WAL").first?.column("journal_mode")?.string
                guard mode == "wal" else {
                    throw SQLiteStoreError(message: "could not switch the database to WAL mode (it reports \(mode ?? "nothing"))")
                }
            }
            // secure_delete: the text of a deleted or edited message is overwritten on its page, not merely unlinked.
            for pragma in ["PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 10000", "PRAGMA secure_delete = ON"] {
                _ = try await writer.query(pragma)
            }
            try await writer.installSearchFunction()
            try await SQLiteMigrator(connection: writer, logger: logger).migrate(Migration.all)
            var readers: [SQLiteConnection] = []
            if case .file = location {
                for _ in 0..<readerCount {
                    let reader = try await SQLiteConnection.open(storage: storage, threadPool: threadPool, logger: logger, on: eventLoop)
                    for pragma in ["PRAGMA query_only = ON", "PRAGMA busy_timeout = 10000"] {
                        _ = try await reader.query(pragma)
                    }
                    readers.append(reader)
                }
            }
            return SQLiteStore(location: location, writer: writer, readers: readers, threadPool: threadPool, sink: sink)
        } catch {
            try? await threadPool.shutdownGracefully()
            throw error
        }
    }

    /// Runs `body` on a read-only connection, outside any write transaction.
    /// `operation` names the storage span (the calling repository method).
    func read<T: Sendable>(
        operation: String = #function,
        _ body: @escaping @Sendable (SQLiteConnection) async throws -> T
    ) async throws -> T {
        guard !self.readers.isEmpty else {
            return try await self.queue.perform(operation: operation) { transaction in try await body(transaction.connection) }
        }
        let index = self.nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await ServerTracing.storage("sqlite", operation) { try await body(self.readers[index % self.readers.count]) }
    }

    /// Runs `body` inside a write transaction that may be shared with other writes (group commit). It returns
    /// once the transaction is durably committed; if `body` throws, only its own changes are rolled back.
    func write<T: Sendable>(
        selfContained: Bool = false,
        operation: String = #function,
        _ body: @escaping @Sendable (SQLiteTransaction) async throws -> T
    ) async throws -> T {
        try await self.queue.perform(selfContained: selfContained, operation: operation, body)
    }

    /// Queues a write behind every write submitted before, and returns at once; await its `value`.
    func submitWrite<T: Sendable>(
        selfContained: Bool = false,
        operation: String = #function,
        _ body: @escaping @Sendable (SQLiteTransaction) async throws -> T
    ) -> PendingWrite<T> {
        self.queue.submit(selfContained: selfContained, operation: operation, body)
    }

    /// SQLite's `data_version` on the writer connection: it changes only when another connection (another process,
    /// such as `chat-server admin`) has committed, never for this store's own writes.
    func externalDataVersion() async throws -> Int {
        guard let value = try await self.writer.query("PRAGMA data_version").first?.column("data_version")?.integer else {
            throw SQLiteStoreError(message: "PRAGMA data_version returned nothing")
        }
        return value
    }

    /// How many transactions have committed how many writes: fewer transactions than writes is group commit.
    func commitStatistics() async -> (batches: Int, writes: Int) {
        self.queue.statistics
    }

    /// Closes every connection, once pending writes are done.
    func close() async {
        await self.queue.drain()
        for connection in self.readers + [self.writer] {
            try? await connection.close()
        }
        try? await self.threadPool.shutdownGracefully()
    }
}

extension SQLiteConnection {
    /// Installs `chat_search_text(text)`, which the search triggers call (see ``Migration/search``). A connection
    /// that writes messages without it fails with "no such function", never with a silently stale index.
    package func installSearchFunction() async throws {
        let function = SQLiteCustomFunction("chat_search_text", argumentCount: 1, pure: true, indirect: true) { values in
            guard case .text(let text) = values.first else { return nil as String? }
            return SearchText.indexable(text)
        }
        try await self.install(customFunction: function)
    }
}

/// A failure to open or prepare the database file.
struct SQLiteStoreError: Error, CustomStringConvertible {
    let message: String
    var description: String { "SQLite: \(self.message)" }
}

extension SQLiteConnection {
    /// Runs `sql` and collects its rows on the connection's thread, without a hop per row.
    func rows(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        let collected = Mutex<[SQLiteRow]>([])
        try await self.query(sql, binds) { row in collected.withLock { $0.append(row) } }
        return collected.withLock { $0 }
    }
}
