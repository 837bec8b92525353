import Foundation
import Logging
import PostgresNIO
import Testing

@testable import ChatServer

/// PostgreSQL for tests: `CHAT_TEST_DATABASE_URL` points at a server where the tests may create databases
/// (`.ci/run` starts a throwaway cluster and sets it). Without it, the PostgreSQL tests are skipped.
enum PostgresTesting {
    static let adminURL = ProcessInfo.processInfo.environment["CHAT_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static var isAvailable: Bool { adminURL != nil }
    static let skipReason: Comment = "CHAT_TEST_DATABASE_URL is not set: PostgreSQL tests skipped (.ci/run starts a server and sets it)"

    /// A fresh, empty database; `drop()` removes it.
    struct Database: Sendable {
        let url: String
        let name: String

        func drop() async {
            try? await PostgresTesting.admin { connection in
                try await connection.query(
                    PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \"\(self.name)\" WITH (FORCE)"),
                    logger: PostgresTesting.logger
                )
            }
        }
    }

    static let logger = Logger(label: "postgres-tests")

    static func createDatabase() async throws -> Database {
        let name = "chat_test_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        try await self.admin { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \"\(name)\""), logger: self.logger)
        }
        var components = URLComponents(string: self.adminURL!)!
        components.path = "/\(name)"
        return Database(url: components.string!, name: name)
    }

    /// Runs `body` on a connection to the admin URL's database.
    static func admin<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await self.connection(to: self.adminURL!, body)
    }

    /// Runs `body` on a connection to `url`.
    static func connection<T>(to url: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let parsed = try PostgresURL(url)
        let connection = try await PostgresConnection.connect(
            configuration: try parsed.connectionConfiguration(applicationName: "chat-tests"),
            id: 99,
            logger: self.logger
        )
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
