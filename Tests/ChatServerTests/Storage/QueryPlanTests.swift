import ChatSQLite
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
        let created = try await Self.plan(
            "\(SQLiteSQL.messageSelect) WHERE m.group_id = ? AND m.seq > ? AND m.rev > ? AND m.rev = m.created_rev ORDER BY m.seq ASC LIMIT ?",
            [.text("g"), .integer(90), .integer(100), .integer(101)],
            on: database
        )
        let changed = try await Self.plan(
            "\(SQLiteSQL.messageSelect) WHERE m.group_id = ? AND m.rev > ? AND m.rev <> m.created_rev ORDER BY m.rev ASC LIMIT ?",
            [.text("g"), .integer(100), .integer(101)],
            on: database
        )
        let reactions = try await Self.plan(
            "SELECT seq, emoji, user_id FROM reactions WHERE group_id = ? AND seq IN (?, ?) ORDER BY seq, rev",
            [.text("g"), .integer(1), .integer(2)],
            on: database
        )
        await database.close()
        // The change feed: new messages by a range of the primary key, changed ones by the partial rev index.
        #expect(created.contains("SEARCH m USING PRIMARY KEY (group_id=? AND seq>?)"), "\(created)")
        #expect(changed.contains("SEARCH m USING INDEX messages_changed (group_id=? AND rev>?)"), "\(changed)")
        for plan in [created, changed] { #expect(!plan.contains("SCAN m") && !plan.contains("TEMP B-TREE"), "\(plan)") }
        #expect(reactions.contains("SEARCH reactions USING PRIMARY KEY (group_id=? AND seq=?)"), "\(reactions)")
        // The unread count is a range of the primary key from the read marker.
        #expect(groups.contains("SEARCH x USING PRIMARY KEY (group_id=? AND seq>?)"), "\(groups)")
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

    @Test("the schema refuses a seq or rev that is not the group's next one, and changes that take no rev")
    func seqTrigger() async throws {
        let directory = try TemporaryDirectory()
        let store = try await SQLiteStore.open(location: .file(directory.path("rules.sqlite")), sink: NoEvents(), logger: Logger(label: "test"))
        let now = Date()
        let repository = SQLiteChatRepository(store: store)
        try await repository.insertUser(.init(id: "u", displayName: "U", email: nil, isGuest: true, createdAt: now), passwordHash: nil)
        _ = try await repository.createGroup(id: "g", name: "G", owner: "u", at: now)
        let message = try await repository.appendMessage(
            MessageDraft(id: "m1", groupID: "g", senderID: "u", text: "one", clientID: nil, createdAt: now)
        )
        #expect((message.message.seq, message.message.rev) == (1, 1))
        for statement in [
            // A seq, or a rev, that is not the one just taken.
            "UPDATE groups SET last_seq = last_seq + 1, last_rev = last_rev + 1; INSERT INTO messages (group_id, seq, rev, created_rev, id, sender_id, text, created_at) VALUES ('g', 5, 2, 2, 'm', 'u', 'jump', 0)",
            "UPDATE groups SET last_seq = last_seq + 1, last_rev = last_rev + 1; INSERT INTO messages (group_id, seq, rev, created_rev, id, sender_id, text, created_at) VALUES ('g', 2, 7, 7, 'm', 'u', 'jump', 0)",
            // An edit that takes no rev, or a rev not freshly taken.
            "UPDATE messages SET text = 'sneaky' WHERE id = 'm1'",
            "UPDATE messages SET text = 'sneaky', rev = 9 WHERE id = 'm1'",
            // A creation that does not record its rev as the message's creation rev; a change to it.
            "UPDATE groups SET last_seq = last_seq + 1, last_rev = last_rev + 1; INSERT INTO messages (group_id, seq, rev, created_rev, id, sender_id, text, created_at) VALUES ('g', 2, 2, 1, 'm', 'u', 'x', 0)",
            "UPDATE groups SET last_rev = last_rev + 1; UPDATE messages SET text = 'x', rev = 2, created_rev = 2 WHERE id = 'm1'",
            // A tombstone keeps no text; a live message has some.
            "UPDATE groups SET last_rev = last_rev + 1; UPDATE messages SET deleted_at = 1, rev = 2 WHERE id = 'm1'",
            "UPDATE groups SET last_rev = last_rev + 1; UPDATE messages SET text = '', rev = 2 WHERE id = 'm1'",
            // A reaction of more than 32 bytes.
            "INSERT INTO reactions (group_id, seq, emoji, user_id, rev) VALUES ('g', 1, '\(String(repeating: "x", count: 33))', 'u', 1)",
        ] {
            await #expect(throws: NativeSQLiteError.self, "\(statement)") {
                try await store.write { transaction in
                    for part in statement.split(separator: ";") { try await transaction.connection.execute(String(part)) }
                }
            }
        }
        _ = try await repository.deleteMessage(MessageDeletion(groupID: "g", messageID: "m1", userID: "u", at: now))
        await #expect(throws: NativeSQLiteError.self, "no reaction on a tombstone") {
            try await store.write { transaction in
                try await transaction.connection.execute("INSERT INTO reactions (group_id, seq, emoji, user_id, rev) VALUES ('g', 1, 'x', 'u', 3)")
            }
        }
        await #expect(throws: NativeSQLiteError.self) {
            try await store.write { transaction in
                try await transaction.connection.execute("UPDATE invites SET uses = max_uses + 1")
                try await transaction.connection.execute(
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
