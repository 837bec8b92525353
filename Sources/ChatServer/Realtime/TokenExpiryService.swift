import ServiceLifecycle

/// Closes real-time connections whose token has expired (4001: sign in again), twice a second, for all
/// connections at once (see ``RealtimeHub/closeExpired(at:)`` for why not a timer per connection).
struct TokenExpiryService: Service {
    let hub: RealtimeHub
    let clock: WallClock
    var interval: Duration = .milliseconds(500)

    func run() async throws {
        while true {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
            self.hub.closeExpired(at: self.clock.now())
        }
    }
}
