import Synchronization

/// A counter that event loops bump, and that a scenario waits on.
final class Counter: Sendable {
    private let atomic = Atomic<Int>(0)

    func increment() { self.atomic.add(1, ordering: .relaxed) }

    var value: Int { self.atomic.load(ordering: .relaxed) }

    /// Waits until the counter reaches `target`, for at most a minute; `what` names what it counts.
    func wait(until target: Int, what: String = "sockets got ready") async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while self.value < target {
            guard ContinuousClock.now < deadline else { throw BenchError("only \(self.value) of \(target) \(what)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
