import ChatCore
import ChatSQLite
import Foundation
import Logging
import NIOPosix
import SQLiteNIO
import Synchronization

/// Settings of chat-server's SQLite files, which chat-bench's native baseline applies too.
package enum SQLiteSettings {
    /// Pages of write-ahead log after which a commit copies them into the database file.
    package static let checkpointPages = 10_000

    /// What the writer connection runs once open, after `journal_mode = WAL`.
    ///
    /// secure_delete: the text of a deleted or edited message is overwritten on its page, not merely unlinked.
    /// wal_autocheckpoint: the checkpoint runs inside a commit, on the writer every write waits for; one every
    /// 10,000 pages (about 40 MB of log) rather than 1,000 stalls writes a tenth as often, and a busy page is
    /// copied once per checkpoint however often it changed in between.
    package static let writerPragmas = [
        "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 10000", "PRAGMA secure_delete = ON",
        "PRAGMA wal_autocheckpoint = \(checkpointPages)",
    ]
}

/// Owns one SQLite database: its connections, its schema and the queue that commits its writes.
///
/// The file runs in WAL mode with `synchronous=FULL`, so a commit that returned has reached the disk.
/// One writer connection (``NativeSQLiteConnection``, on a thread of its own) takes every write through
/// ``SQLiteWriteQueue`` (group commit); a few read-only SQLiteNIO connections serve reads concurrently. An
/// in-memory database has a single connection for both.
final class SQLiteStore: Sendable {
    /// Where the database lives.
    enum Location: Sendable, Hashable {
        case file(String)
        case memory
    }

    let location: Location
    private let writer: NativeSQLiteConnection
    private let readers: [SQLiteConnection]
    private let nextReader = Atomic<Int>(0)
    private let queue: SQLiteWriteQueue
    private let threadPool: NIOThreadPool
    /// Where committed events go.
    let sink: any ChatEventSink

    private init(
        location: Location,
        writer: NativeSQLiteConnection,
        readers: [SQLiteConnection],
        threadPool: NIOThreadPool,
        sink: any ChatEventSink,
        committed: (@Sendable (Int) -> Void)?
    ) {
        self.location = location
        self.writer = writer
        self.readers = readers
        self.threadPool = threadPool
        self.sink = sink
        self.queue = SQLiteWriteQueue(connection: writer, sink: sink, committed: committed)
    }

    /// Opens (creating if needed) the database at `location` and brings its schema up to date.
    /// `committed` is told the size of each batch the writer commits.
    static func open(
        location: Location,
        readerCount: Int = 2,
        sink: any ChatEventSink,
        logger: Logger,
        committed: (@Sendable (Int) -> Void)? = nil
    ) async throws -> SQLiteStore {
        let threadPool = NIOThreadPool(numberOfThreads: max(readerCount, 1))
        threadPool.start()
        do {
            let storage: SQLiteConnection.Storage
            let writer: NativeSQLiteConnection
            switch location {
            case .memory:
                storage = .memory
                writer = try NativeSQLiteConnection(path: nil)
            case .file(let path):
                try PrivateFiles.prepare(file: path, logger: logger)
                storage = .file(path: path)
                writer = try NativeSQLiteConnection(path: path)
                let mode = try writer.run("PRAGMA journal_mode = WAL").first?.column("journal_mode")?.string
                guard mode == "wal" else {
                    throw SQLiteStoreError(message: "could not switch the database to WAL mode (it reports \(mode ?? "nothing"))")
                }
            }
            for pragma in SQLiteSettings.writerPragmas {
                _ = try writer.run(pragma)
            }
            try writer.installSearchFunction()
            try await SQLiteMigrator(connection: writer, logger: logger).migrate(Migration.all)
            let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
            var readers: [SQLiteConnection] = []
            if case .file = location {
                for _ in 0..<readerCount {
                    let reader = try await SQLiteConnection.open(storage: storage, threadPool: threadPool, logger: logger, on: eventLoop)
                    for pragma in ["PRAGMA query_only = ON", "PRAGMA busy_timeout = 10000"] {
                        try await reader.execute(pragma)
                    }
                    readers.append(reader)
                }
            }
            return SQLiteStore(location: location, writer: writer, readers: readers, threadPool: threadPool, sink: sink, committed: committed)
        } catch {
            try? await threadPool.shutdownGracefully()
            throw error
        }
    }

    /// Runs `body` on a read-only connection, outside any write transaction.
    /// `operation` names the storage span (the calling repository method).
    func read<T: Sendable>(
        operation: String = #function,
        _ body: @escaping @Sendable (any SQLiteQuerying) async throws -> T
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
        let rows = try await self.queue.onWriterThread { try self.writer.run("PRAGMA data_version") }
        guard let value = rows.first?.column("data_version")?.integer else {
            throw SQLiteStoreError(message: "PRAGMA data_version returned nothing")
        }
        return value
    }

    /// Closes every connection, once pending writes are done.
    func close() async {
        await self.queue.drain()
        for connection in self.readers {
            try? await connection.close()
        }
        await self.queue.onWriterThread { self.writer.close() }
        try? await self.threadPool.shutdownGracefully()
    }
}

/// A failure to open or prepare the database file.
struct SQLiteStoreError: Error, CustomStringConvertible {
    let message: String
    var description: String { "SQLite: \(self.message)" }
}
