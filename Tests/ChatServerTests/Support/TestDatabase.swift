import Foundation
import Logging
import NIOPosix
import SQLiteNIO

/// Direct, read-only access to a test's SQLite file, to check what is really stored.
struct TestDatabase {
    let connection: SQLiteConnection

    static func open(_ path: String) async throws -> TestDatabase {
        TestDatabase(connection: try await SQLiteConnection.open(storage: .file(path: path), logger: Logger(label: "test-db")))
    }

    func rows(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await self.connection.query(sql, binds)
    }

    func scalarText(_ sql: String, _ binds: [SQLiteData] = []) async throws -> String? {
        try await self.rows(sql, binds).first?.columns.first?.data.string
    }

    func scalarInt(_ sql: String, _ binds: [SQLiteData] = []) async throws -> Int? {
        try await self.rows(sql, binds).first?.columns.first?.data.integer
    }

    func close() async {
        try? await self.connection.close()
    }
}
