import ChatCore
import ChatTestSupport
import Foundation

/// Polls `read` until `condition` holds; throws after `timeout` with the last value in the message.
func eventually<T: Sendable>(
    timeout: Duration = .seconds(10),
    _ read: @Sendable () async -> T,
    _ condition: (T) -> Bool
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    var last = await read()
    while !condition(last) {
        guard ContinuousClock.now < deadline else { throw Inbox<Int>.Timeout() }
        try await Task.sleep(for: .milliseconds(20))
        last = await read()
    }
    return last
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
