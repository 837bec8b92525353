import ServiceLifecycle

/// Forgets refilled rate-limit buckets on a timer, so that the request path never sweeps under the lock.
struct RateLimitSweeper: Service {
    let limiters: [RateLimiter]
    var interval: Duration = .seconds(60)

    func run() async throws {
        while true {
            // The sleep ends early on a graceful shutdown, which ends the loop.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
            for limiter in self.limiters { limiter.sweep() }
        }
    }
}
