import ChatTestSupport
import Foundation
import Logging
import SQLiteNIO
import Testing

@testable import ChatServer

@Suite("SQLite schema: constraints and index use")
struct QueryPlanTests {
    /// The query plan of `sql`, one line per step.
    static func plan(_ sql: String, _ binds: [SQLiteData], on database: TestDatabase) async throws -> String {
        try await database.rows("EXPLAIN QUERY PLAN " + sql, binds).compactMap { $0.column("detail")?.string }.joined(separator: "\n")
    }

    @Test("history pages and catch-up search the primary key; nothing scans messages")
    func messagesUseTheIndex() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("plan.sqlite")
        let store = try await SQLiteStore.open(location: .file(path), sink: NoEvents(), logger: Logger(label: "test"))
        await store.close()
        let database = try await TestDatabase.open(path)
        let page = try await Self.plan(
            "\(SQLiteSQL.messageSelect) WHERE m.group_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?",
            [.text("g"), .integer(100), .integer(31)],
            on: database
        )
        let after = try await Self.plan(
            "\(SQLiteSQL.messageSelect) WHERE m.group_id = ? AND m.seq > ? ORDER BY m.seq ASC LIMIT ?",
            [.text("g"), .integer(100), .integer(31)],
            on: database
        )
        let groups = try await Self.plan(SQLiteSQL.groupSelect, [.text("u")], on: database)
        await database.close()
        for plan in [page, after] {
            #expect(
                plan.contains("SEARCH m USING PRIMARY KEY (group_id=? AND seq<?)")
                    || plan.contains("SEARCH m USING PRIMARY KEY (group_id=? AND seq>?)"),
                "\(plan)"
            )
            #expect(!plan.contains("SCAN m"), "\(plan)")
            #expect(!plan.contains("TEMP B-TREE"), "\(plan)")
        }
        #expect(!groups.contains("SCAN g"), "\(groups)")
    }

    @Test("the schema refuses a seq that is not the group's next one")
    func seqTrigger() async throws {
        let directory = try TemporaryDirectory()
        let store = try await SQLiteStore.open(location: .file(directory.path("rules.sqlite")), sink: NoEvents(), logger: Logger(label: "test"))
        let now = Date()
        let repository = SQLiteChatRepository(store: store)
        try await repository.insertUser(.init(id: "u", displayName: "U", email: nil, isGuest: true, createdAt: now), passwordHash: nil)
        _ = try await repository.createGroup(id: "g", name: "G", owner: "u", at: now)
        await #expect(throws: SQLiteError.self) {
            try await store.write { transaction in
                _ = try await transaction.connection.query(
                    "INSERT INTO messages (group_id, seq, id, sender_id, text, created_at) VALUES ('g', 5, 'm', 'u', 'jump', 0)"
                )
            }
        }
        await #expect(throws: SQLiteError.self) {
            try await store.write { transaction in
                _ = try await transaction.connection.query("UPDATE invites SET uses = max_uses + 1")
                _ = try await transaction.connection.query(
                    "INSERT INTO invites (id, group_id, token_hash, created_by, created_at, expires_at, max_uses, uses) VALUES ('i', 'g', zeroblob(32), 'u', 1, 2, 1, 2)"
                )
            }
        }
        await store.close()
    }
}

/// A sink for tests that do not look at events.
struct NoEvents: ChatEventSink {
    func publish(_ events: [ChatEvent]) {}
}
