import ChatCore
import ChatTestSupport
import Foundation
import Logging
import PostgresNIO
import SQLiteNIO
import Testing

@testable import ChatServer

/// A database written by the release before the change feed: two users, a group and three messages.
enum OldDatabase {
    static let migrations = Array(Migration.all.prefix { $0.name != Migration.changeFeed.name })
    static let statements =
        [
            "INSERT INTO users (id, display_name, is_guest, created_at) VALUES ('ann', 'Ann', 1, 1795000000000), ('bob', 'Bob', 1, 1795000000000)",
            "INSERT INTO groups (id, name, created_by, created_at, last_seq, last_activity_at) VALUES ('g', 'Old', 'ann', 1795000000000, 0, 1795000000000)",
            "INSERT INTO memberships (group_id, user_id, role, joined_at) VALUES ('g', 'ann', 'owner', 1795000000000), ('g', 'bob', 'member', 1795000000000)",
        ]
        + (1...3).flatMap { seq in
            [
                "UPDATE groups SET last_seq = last_seq + 1 WHERE id = 'g'",
                "INSERT INTO messages (group_id, seq, id, sender_id, text, client_id, created_at) VALUES ('g', \(seq), 'm\(seq)', 'ann', 'old \(seq)', NULL, 1795000000000)",
            ]
        }

    /// What the upgraded database must show: the messages with `rev = seq`, the group at rev 3, and a working
    /// lifecycle on top.
    static func check(_ repository: any ChatRepository) async throws {
        let messages = try await repository.messages(in: "g", after: 0, limit: 10)
        #expect(messages.map(\.seq) == [1, 2, 3])
        #expect(messages.map(\.rev) == [1, 2, 3])
        #expect(messages.map(\.text) == ["old 1", "old 2", "old 3"])
        #expect(messages.allSatisfy { !$0.deleted && $0.reactions.isEmpty && $0.replyTo == nil && $0.editedAt == nil })
        let group = try #require(try await repository.group(id: "g", as: "bob"))
        #expect((group.lastSeq, group.rev, group.readSeq, group.unreadCount) == (3, 3, 0, 3))
        #expect(try await SearchContract.ids(repository, "old", as: "bob") == ["m3", "m2", "m1"])
        let edited = try await repository.editMessage(MessageEdit(groupID: "g", messageID: "m2", editorID: "ann", text: "new 2", at: Date()))
        #expect(edited.message.rev == 4)
        let next = try await repository.appendMessage(
            MessageDraft(id: "m4", groupID: "g", senderID: "bob", text: "new", clientID: nil, createdAt: Date())
        )
        #expect((next.message.seq, next.message.rev) == (4, 5))
        let changes = try await repository.changes(in: "g", since: 3, limit: 10)
        #expect(changes.messages.map(\.id) == ["m2", "m4"])
        #expect(try await SearchContract.ids(repository, "old", as: "bob") == ["m3", "m1"])
        #expect(try await SearchContract.ids(repository, "new", as: "bob") == ["m4", "m2"])
    }
}

@Suite("Migrations: an old database opens and upgrades")
struct MigrationTests {
    @Test("SQLite: the messages table is rebuilt with rev = seq, and everything works on it")
    func sqlite() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("old.sqlite")
        let logger = Logger(label: "migrate")
        let old = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        _ = try await old.query("PRAGMA foreign_keys = ON")
        try await SQLiteMigrator(connection: old, logger: logger).migrate(OldDatabase.migrations)
        for statement in OldDatabase.statements { _ = try await old.query(statement) }
        try await old.close()

        let store = try await SQLiteStore.open(location: .file(path), sink: RecordingSink(), logger: logger)
        do {
            try await OldDatabase.check(SQLiteChatRepository(store: store))
            let check = try await store.write { try await $0.connection.rows("PRAGMA foreign_key_check").count }
            #expect(check == 0)
            let integrity = try await store.write { try await $0.connection.rows("PRAGMA integrity_check").first?.column("integrity_check")?.string }
            #expect(integrity == "ok")
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    @Test("PostgreSQL: the columns are added and backfilled", .enabled(if: PostgresTesting.isAvailable, PostgresTesting.skipReason))
    func postgres() async throws {
        let database = try await PostgresTesting.createDatabase()
        let store = PostgresStore(url: try PostgresURL(database.url), instanceID: "migrate", logger: Logger(label: "migrate"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.client.run() }
            defer { group.cancelAll() }
            try await store.migrate(OldDatabase.migrations)
            try await PostgresTesting.connection(to: database.url) { connection in
                for statement in OldDatabase.statements {
                    try await connection.query(
                        PostgresQuery(unsafeSQL: statement.replacingOccurrences(of: ", 1, 1795", with: ", true, 1795")),
                        logger: PostgresTesting.logger
                    )
                }
            }
            try await store.migrate()
            try await OldDatabase.check(PostgresChatRepository(store: store, sink: RecordingSink()))
        }
        await database.drop()
    }
}
