import Synchronization

/// A write that was queued and is awaited separately: taking the queue's place and waiting for the commit are
/// two steps, so that one connection can queue its sends in order without waiting for each to be durable.
public final class PendingWrite<Value: Sendable>: Sendable {
    private let state = Mutex<(result: Result<Value, any Error>?, waiters: [CheckedContinuation<Value, any Error>])>((nil, []))

    init() {}

    /// A write started as a task of its own, for backends that do not queue writes in order.
    static func running(_ body: @escaping @Sendable () async throws -> Value) -> PendingWrite<Value> {
        let pending = PendingWrite<Value>()
        Task {
            do { pending.complete(.success(try await body())) } catch { pending.complete(.failure(error)) }
        }
        return pending
    }

    /// Settles the write (once; later calls are ignored) and resumes whoever waits for it.
    func complete(_ result: Result<Value, any Error>) {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Value, any Error>] in
            guard state.result == nil else { return [] }
            state.result = result
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    /// The write's result, once it is durable (or failed).
    public var value: Value {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let settled = self.state.withLock { state -> Result<Value, any Error>? in
                    if let result = state.result { return result }
                    state.waiters.append(continuation)
                    return nil
                }
                if let settled { continuation.resume(with: settled) }
            }
        }
    }
}
