import ChatCore
import ChatTestSupport
import Foundation

extension SyncEngine {
    /// Polls the state until `condition` holds; throws a timeout after `timeout`.
    @discardableResult
    func waitUntil(timeout: Duration = .seconds(10), _ condition: (SyncState) -> Bool) async throws -> SyncState {
        let deadline = ContinuousClock.now + timeout
        while !condition(self.state) {
            guard ContinuousClock.now < deadline else { throw Inbox<Int>.Timeout() }
            try await Task.sleep(for: .milliseconds(20))
        }
        return self.state
    }
}

/// A chat-server process on a SQLite file in `directory`, with a fixed secret so that tokens survive restarts.
func startServer(in directory: URL, port: Int = 0) async throws -> ServerProcess {
    try await ServerProcess.start(
        in: directory,
        environment: [
            "PORT": String(port), "JWT_SECRET": "client-tests-secret-of-at-least-32-bytes", "DATABASE_URL": "sqlite://./chat.sqlite",
            "LOG_LEVEL": "info", "BCRYPT_COST": "10",
        ]
    )
}
