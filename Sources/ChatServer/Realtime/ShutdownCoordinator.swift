import Synchronization

/// Steps to take when a stop is requested, before the HTTP server begins its graceful shutdown: closing
/// every WebSocket with 1001 ("going away") so that clients know to reconnect elsewhere or later.
public final class ShutdownCoordinator: Sendable {
    private let steps = Mutex<[@Sendable () async -> Void]>([])

    public init() {}

    func add(_ step: @escaping @Sendable () async -> Void) {
        self.steps.withLock { $0.append(step) }
    }

    /// Runs the steps, in the order they were added.
    public func prepareForShutdown() async {
        for step in self.steps.withLock({ $0 }) { await step() }
    }
}
