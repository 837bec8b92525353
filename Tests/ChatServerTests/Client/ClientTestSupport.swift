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

extension APIClient {
    /// Two guests, Ann and Bob, in a new group of Ann's named `name`.
    func annAndBob(in name: String) async throws -> (ann: AuthResponse, bob: AuthResponse, group: Group) {
        let ann = try await self.guest(displayName: "Ann")
        let bob = try await self.guest(displayName: "Bob")
        let group = try await self.authenticated(ann.token).createGroup(name: name)
        _ = try await self.authenticated(bob.token).acceptInvite(try await self.authenticated(ann.token).createInvite(groupID: group.id).token)
        return (ann, bob, group)
    }
}
