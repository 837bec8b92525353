import ChatSQLite
import Dispatch
import Logging
import SQLiteNIO
import Synchronization
import Tracing
import VaporCSQLite

/// The transaction that a write runs in, shared with the other writes of its batch.
final class SQLiteTransaction: Sendable {
    /// The writer connection, inside an open transaction.
    let connection: NativeSQLiteConnection
    private let pending = Mutex<[ChatEvent]>([])

    init(connection: NativeSQLiteConnection) {
        self.connection = connection
    }

    /// Whether the transaction is still open. SQLite rolls a transaction back by itself on some errors (a full
    /// disk, an I/O error, no memory, `RAISE(ROLLBACK)`); after that, any statement would run on its own and
    /// commit at once.
    var isActive: Bool { self.connection.inTransaction }

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
/// Writes run in the order they were submitted: `submit` takes the queue's place at once.
///
/// Publishing and resuming happen on a serial queue of their own, so that the writer's thread goes on to the
/// next batch at once instead of encoding this one's events: it is the one thread every write waits for.
final class SQLiteWriteQueue: Sendable {
    private struct Job: Sendable {
        /// The write leaves nothing behind when it fails, so it needs no savepoint of its own.
        let selfContained: Bool
        let body: @Sendable (SQLiteTransaction) async throws -> any Sendable
        let complete: @Sendable (Result<any Sendable, any Error>) -> Void
        /// The submitter's trace, when tracing is on: its events are fanned out in a span of that trace.
        let context: ServiceContext?
    }

    private struct State {
        var pending: [Job] = []
        var flushing = false
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Thrown by a self-contained write that failed and could not undo what it did: the whole batch rolls back.
    struct BatchPoisoned: Error {
        /// What went wrong in the first place.
        var cause: (any Error)?
    }

    /// A full disk or a failing one as the client should hear it (503, nothing stored), rather than a 500.
    static func storageFailure(_ error: any Error) -> ChatError? {
        if let poisoned = error as? BatchPoisoned { return poisoned.cause.flatMap(Self.storageFailure) }
        guard let error = error as? NativeSQLiteError else { return nil }
        if error.primaryCode == SQLITE_FULL {
            return ChatError(
                .unavailable,
                "storage_full",
                "The server's disk is full: nothing was stored. Try again later.",
                retryAfter: .seconds(30)
            )
        }
        if error.primaryCode == SQLITE_IOERR {
            return ChatError(
                .unavailable,
                "storage_error",
                "The server could not write to its disk: nothing was stored. Try again later.",
                retryAfter: .seconds(30)
            )
        }
        return nil
    }

    /// The most writes committed together.
    static let maxBatch = 256

    private let connection: NativeSQLiteConnection
    private let sink: any ChatEventSink
    private let state = Mutex(State())
    private let executor = WriterExecutor(name: "sqlite-writer")
    /// Where batches are published and their writers resumed, in commit order.
    private let publisher = DispatchQueue(label: "sqlite-publisher")

    /// Told the size of every batch committed, on the writer's thread, before its writers resume (`/metrics`).
    private let committed: (@Sendable (Int) -> Void)?

    init(connection: NativeSQLiteConnection, sink: any ChatEventSink, committed: (@Sendable (Int) -> Void)? = nil) {
        self.connection = connection
        self.sink = sink
        self.committed = committed
    }

    deinit { self.executor.shutdown() }

    /// Queues `body` for the next batch, behind every write submitted before, and returns at once.
    /// A `selfContained` write promises to leave nothing behind when it fails (or to throw `BatchPoisoned`), and
    /// so runs without a savepoint: two statements fewer on the hot path.
    func submit<T: Sendable>(
        selfContained: Bool = false,
        operation: String = #function,
        _ body: @escaping @Sendable (SQLiteTransaction) async throws -> T
    ) -> PendingWrite<T> {
        let pending = PendingWrite<T>()
        // With tracing on, a storage span runs from the submission to the commit (or failure).
        let span = ServerTracing.isActive ? startSpan(ServerTracing.storageName("sqlite", operation), ofKind: .client) : nil
        span?.attributes["db.system.name"] = "sqlite"
        let job = Job(
            selfContained: selfContained,
            body: { try await body($0) },
            complete: { result in
                if case .failure(let error) = result { span?.recordError(error) }
                span?.end()
                pending.complete(result.map { $0 as! T })
            },
            context: span == nil ? nil : ServiceContext.current
        )
        let start = self.state.withLock { state -> Bool in
            state.pending.append(job)
            defer { state.flushing = true }
            return !state.flushing
        }
        if start { Task(executorPreference: self.executor) { await self.flush() } }
        return pending
    }

    /// Runs `body` in the next batch and returns its result once the batch is durable.
    func perform<T: Sendable>(
        selfContained: Bool = false,
        operation: String = #function,
        _ body: @escaping @Sendable (SQLiteTransaction) async throws -> T
    ) async throws -> T {
        try await self.submit(selfContained: selfContained, operation: operation, body).value
    }

    /// Runs `body` on the writer's thread, between batches: how to reach the writer connection outside a write.
    func onWriterThread<T: Sendable>(_ body: @Sendable () throws -> T) async rethrows -> T {
        try await withTaskExecutorPreference(self.executor) { try body() }
    }

    /// Waits until every queued write has been committed or failed.
    func drain() async {
        await withCheckedContinuation { continuation in
            let idle = self.state.withLock { state -> Bool in
                if !state.flushing { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    private func flush() async {
        while true {
            let batch = self.state.withLock { state -> [Job] in
                let count = min(state.pending.count, Self.maxBatch)
                defer { state.pending.removeFirst(count) }
                return Array(state.pending.prefix(count))
            }
            if batch.isEmpty {
                let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>]? in
                    // A write may have arrived since the batch was taken: keep flushing then.
                    guard state.pending.isEmpty else { return nil }
                    state.flushing = false
                    defer { state.idleWaiters = [] }
                    return state.idleWaiters
                }
                guard let waiters else { continue }
                // Behind the publication of every batch before, so that `drain` returns once all are out.
                self.publisher.async { for waiter in waiters { waiter.resume() } }
                return
            }
            await self.commit(batch)
        }
    }

    private func commit(_ batch: [Job]) async {
        let transaction = SQLiteTransaction(connection: self.connection)
        var results: [Result<any Sendable, any Error>] = []
        var events = EventRuns()
        do {
            try await self.connection.execute("BEGIN IMMEDIATE")
        } catch {
            self.finish(batch, with: .failure(Self.storageFailure(error) ?? error))
            return
        }
        let useSavepoints = batch.count > 1
        var poisoned = false
        for job in batch {
            let savepoint = useSavepoints && !job.selfContained
            do {
                if savepoint { try await self.connection.execute("SAVEPOINT write") }
                let value = try await job.body(transaction)
                if savepoint { try await self.connection.execute("RELEASE write") }
                events.append(transaction.takeEvents(), context: job.context)
                results.append(.success(value))
            } catch {
                _ = transaction.takeEvents()
                // The rest of the batch must not run outside a transaction: a lost one fails the whole batch.
                guard !(error is BatchPoisoned), transaction.isActive else {
                    poisoned = true
                    results.append(.failure(error))
                    break
                }
                if savepoint {
                    try? await self.connection.execute("ROLLBACK TO write")
                    try? await self.connection.execute("RELEASE write")
                }
                results.append(.failure(Self.storageFailure(error) ?? error))
            }
        }
        if poisoned {
            try? await self.connection.execute("ROLLBACK")
            let cause = results.compactMap { result -> (any Error)? in if case .failure(let error) = result { error } else { nil } }.last
            let failure = cause.flatMap(Self.storageFailure) ?? ChatError.internal("The write could not be completed: try again.")
            self.finish(batch, with: .failure(failure))
            return
        }
        do {
            if !useSavepoints, case .failure = results.first {
                try await self.connection.execute("ROLLBACK")
            } else {
                try await self.connection.execute("COMMIT")
            }
        } catch {
            try? await self.connection.execute("ROLLBACK")
            self.finish(batch, with: .failure(Self.storageFailure(error) ?? error))
            return
        }
        self.committed?(batch.count)
        let sink = self.sink
        self.publisher.async { [events, results] in
            events.publish(to: sink)
            for (job, result) in zip(batch, results) { job.complete(result) }
        }
    }

    /// Fails every write of a batch that did not commit, in turn with the batches before it.
    private func finish(_ batch: [Job], with failure: Result<any Sendable, any Error>) {
        self.publisher.async { for job in batch { job.complete(failure) } }
    }
}

/// A batch's events in commit order, in runs that share a trace: with tracing off, one run.
private struct EventRuns: Sendable {
    private var runs: [(context: ServiceContext?, events: [ChatEvent])] = []

    mutating func append(_ events: [ChatEvent], context: ServiceContext?) {
        guard !events.isEmpty else { return }
        if let last = self.runs.indices.last, self.runs[last].context == nil, context == nil {
            self.runs[last].events += events
        } else {
            self.runs.append((context, events))
        }
    }

    /// Publishes each run, in order, within its trace (the hub's fan-out span becomes a child of the request's).
    func publish(to sink: any ChatEventSink) {
        for run in self.runs {
            if let context = run.context {
                ServiceContext.withValue(context) { sink.publish(run.events) }
            } else {
                sink.publish(run.events)
            }
        }
    }
}
