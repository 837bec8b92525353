import ChatCore
import ChatTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

@testable import ChatServer

/// A clock that tests move by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) {
        self.current = Mutex(start)
    }

    var now: Date { self.current.withLock { $0 } }

    func advance(by interval: TimeInterval) {
        self.current.withLock { $0 = $0.addingTimeInterval(interval) }
    }

    var wallClock: WallClock { WallClock { self.now } }
}

/// Builds the real application on a real SQLite file in a temporary folder.
enum TestApp {
    static let secret = "test-secret-that-is-at-least-32-bytes-long!"

    static func configuration(databasePath: String) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.database = .sqliteFile(databasePath)
        configuration.jwtSecret = Self.secret
        configuration.port = 0
        configuration.bcryptCost = 4
        configuration.logLevel = .warning
        configuration.publicURL = "https://chat.example.org"
        // Tests create many users and messages at once; the rate-limit tests turn the limits back on.
        configuration.rateLimitsEnabled = false
        return configuration
    }

    /// Runs `body` against a fresh application on its own SQLite file.
    static func run(
        _ setup: TestingSetup = .router,
        clock: TestClock = TestClock(),
        wallClock: WallClock? = nil,
        changing change: ConfigurationChange = .init { _ in },
        _ body: @escaping @Sendable (API) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory()
        let databasePath = directory.path("chat.sqlite")
        var configuration = Self.configuration(databasePath: databasePath)
        change.apply(&configuration)
        let app = try await buildApplication(configuration, clock: wallClock ?? clock.wallClock)
        try await app.test(setup) { client in
            try await body(API(client: client, clock: clock, databasePath: databasePath))
        }
    }
}

/// A change to the test configuration, such as a different bcrypt cost.
struct ConfigurationChange {
    let apply: (inout ServerConfiguration) -> Void

    init(_ apply: @escaping (inout ServerConfiguration) -> Void) {
        self.apply = apply
    }
}
