import Logging
import SQLiteNIO
import Synchronization

/// The transaction that a write runs in, shared with the other writes of its batch.
final class SQLiteTransaction: Sendable {
    /// The writer connection, inside an open transaction.
    let connection: SQLiteConnection
    private let pending = Mutex<[ChatEvent]>([])

    init(connection: SQLiteConnection) {
        self.connection = connection
    }

    /// Records an event to publish once the transaction has committed.
    func emit(_ event: ChatEvent) {
        self.pending.withLock { $0.append(event) }
    }

    /// Takes the recorded events, leaving none.
    fileprivate func takeEvents() -> [ChatEvent] {
        self.pending.withLock { events in
            defer { events = [] }
            return events
        }
    }
}

/// Serialises writes on the writer connection and commits them in batches (group commit).
///
/// Writes that arrive while a batch is committing wait for the next batch, which then commits them all with
/// one `fsync`. Each write runs under its own savepoint, so a failing write rolls back alone. Its caller is
/// resumed only after `COMMIT` returned; the events of the batch are published first, in commit order.
actor SQLiteWriteQueue {
    private struct Job {
        /// The write leaves nothing behind when it fails, so it needs no savepoint of its own.
        let selfContained: Bool
        let body: @Sendable (SQLiteTransaction) async throws -> any Sendable
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    /// Thrown by a self-contained write that failed and could not undo what it did: the whole batch rolls back.
    struct BatchPoisoned: Error {}

    /// The most writes committed together.
    static let maxBatch = 256

    private let connection: SQLiteConnection
    private let sink: any ChatEventSink
    private var pending: [Job] = []
    private var flushing = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// Transactions committed, and the writes they carried.
    private(set) var committedBatches = 0
    private(set) var committedWrites = 0

    init(connection: SQLiteConnection, sink: any ChatEventSink) {
        self.connection = connection
        self.sink = sink
    }

    /// Runs `body` in the next batch and returns its result once the batch is durable.
    /// A `selfContained` write promises to leave nothing behind when it fails (or to throw `BatchPoisoned`), and
    /// so runs without a savepoint: two statements fewer on the hot path.
    func perform<T: Sendable>(
        selfContained: Bool = false,
        _ body: @escaping @Sendable (SQLiteTransaction) async throws -> T
    ) async throws -> T {
        let result = try await withCheckedThrowingContinuation { continuation in
            self.pending.append(Job(selfContained: selfContained, body: { try await body($0) }, continuation: continuation))
            if !self.flushing {
                self.flushing = true
                Task { await self.flush() }
            }
        }
        return result as! T
    }

    /// Waits until every queued write has been committed or failed.
    func drain() async {
        guard self.flushing else { return }
        await withCheckedContinuation { self.idleWaiters.append($0) }
    }

    private func flush() async {
        while !self.pending.isEmpty {
            let count = min(self.pending.count, Self.maxBatch)
            let batch = Array(self.pending.prefix(count))
            self.pending.removeFirst(count)
            await self.commit(batch)
        }
        self.flushing = false
        let waiters = self.idleWaiters
        self.idleWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    private func commit(_ batch: [Job]) async {
        let transaction = SQLiteTransaction(connection: self.connection)
        var results: [Result<any Sendable, any Error>] = []
        var events: [ChatEvent] = []
        do {
            _ = try await self.connection.query("BEGIN IMMEDIATE")
        } catch {
            for job in batch { job.continuation.resume(throwing: error) }
            return
        }
        let useSavepoints = batch.count > 1
        var poisoned = false
        for job in batch {
            let savepoint = useSavepoints && !job.selfContained
            do {
                if savepoint { _ = try await self.connection.query("SAVEPOINT write") }
                let value = try await job.body(transaction)
                if savepoint { _ = try await self.connection.query("RELEASE write") }
                events += transaction.takeEvents()
                results.append(.success(value))
            } catch {
                _ = transaction.takeEvents()
                if savepoint {
                    _ = try? await self.connection.query("ROLLBACK TO write")
                    _ = try? await self.connection.query("RELEASE write")
                }
                if error is BatchPoisoned { poisoned = true }
                results.append(.failure(error))
            }
        }
        if poisoned {
            _ = try? await self.connection.query("ROLLBACK")
            for job in batch { job.continuation.resume(throwing: ChatError.internal("The write could not be completed: try again.")) }
            return
        }
        do {
            if !useSavepoints, case .failure = results.first {
                _ = try await self.connection.query("ROLLBACK")
            } else {
                _ = try await self.connection.query("COMMIT")
            }
        } catch {
            _ = try? await self.connection.query("ROLLBACK")
            for job in batch { job.continuation.resume(throwing: error) }
            return
        }
        self.committedBatches += 1
        self.committedWrites += batch.count
        if !events.isEmpty { self.sink.publish(events) }
        for (job, result) in zip(batch, results) { job.continuation.resume(with: result) }
    }
}
