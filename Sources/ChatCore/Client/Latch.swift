import Synchronization

/// A signal raised once that stays raised: ``wait()`` returns as soon as it is, or when the waiting task is
/// cancelled. Unlike an `AsyncStream`, waiting on it again after a cancelled wait still works.
package final class Latch: Sendable {
    private struct State {
        var raised = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    package var isRaised: Bool { self.state.withLock { $0.raised } }

    /// Raises the latch and wakes every waiter.
    package func raise() {
        let waiters = self.state.withLock { state in
            state.raised = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the latch is raised, or at once if the task is cancelled.
    package func wait() async {
        let id: UInt64? = self.state.withLock { state in
            guard !state.raised else { return nil }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = self.state.withLock { state in
                    if state.raised || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
