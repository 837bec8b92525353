import Synchronization

/// Bounds the sends one connection has in flight: its reader waits for a slot before queuing another, so a
/// client that floods sends holds a bounded amount of server memory.
final class SendWindow: Sendable {
    private let state: Mutex<(available: Int, waiters: [CheckedContinuation<Void, Never>])>

    init(limit: Int) {
        self.state = Mutex((limit, []))
    }

    /// Takes a slot, waiting for one if none is free.
    func acquire() async {
        await withCheckedContinuation { continuation in
            let granted = self.state.withLock { state -> Bool in
                guard state.available > 0 else {
                    state.waiters.append(continuation)
                    return false
                }
                state.available -= 1
                return true
            }
            if granted { continuation.resume() }
        }
    }

    /// Gives a slot back, to the first waiter if there is one.
    func release() {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume()
    }
}
