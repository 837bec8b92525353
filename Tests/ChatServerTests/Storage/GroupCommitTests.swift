import ChatCore
import ChatTestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import ChatServer

@Suite("SQLite durability settings and group commit")
struct GroupCommitTests {
    @Test("the database runs in WAL mode with synchronous=FULL, and checkpoints every 10,000 pages")
    func durability() async throws {
        let directory = try TemporaryDirectory()
        let store = try await SQLiteStore.open(location: .file(directory.path("d.sqlite")), sink: NoEvents(), logger: Logger(label: "t"))
        let journal = try await store.write { try await $0.connection.rows("PRAGMA journal_mode").first?.column("journal_mode")?.string }
        let synchronous = try await store.write { try await $0.connection.rows("PRAGMA synchronous").first?.column("synchronous")?.integer }
        let checkpoint = try await store.write {
            try await $0.connection.rows("PRAGMA wal_autocheckpoint").first?.column("wal_autocheckpoint")?.integer
        }
        await store.close()
        #expect(journal == "wal")
        #expect(synchronous == 2, "FULL")
        #expect(checkpoint == SQLiteSettings.checkpointPages)
    }

    @Test("a write's events are published before its caller resumes, in commit order, and not on the writer's thread")
    func publication() async throws {
        let directory = try TemporaryDirectory()
        let sink = PublicationRecorder()
        let store = try await SQLiteStore.open(location: .file(directory.path("p.sqlite")), sink: sink, logger: Logger(label: "t"))
        let repository = SQLiteChatRepository(store: store)
        try await repository.insertUser(User(id: "u", displayName: "U", email: nil, isGuest: true, createdAt: Date()), passwordHash: nil)
        let group = try await repository.createGroup(id: "g", name: "G", owner: "u", at: Date())
        let unpublished = try await withThrowingTaskGroup(of: Int64?.self) { tasks in
            for index in 0..<200 {
                tasks.addTask {
                    let message = try await repository.appendMessage(
                        MessageDraft(id: UUIDv7.make(), groupID: group.id, senderID: "u", text: "m\(index)", clientID: nil, createdAt: Date())
                    )
                    // Resumed: the event of this message must be out already.
                    return sink.seqs.contains(message.message.seq) ? nil : message.message.seq
                }
            }
            return try await tasks.reduce(into: [Int64]()) { if let seq = $1 { $0.append(seq) } }
        }
        await store.close()
        #expect(unpublished.isEmpty, "resumed before their event was published: \(unpublished)")
        #expect(sink.seqs == Array(1...200), "published once each, in commit order")
        #expect(!sink.threads.contains("sqlite-writer"), "published on \(sink.threads)")
    }

    @Test("concurrent writes share transactions: fewer commits than writes, every write stored, seq gapless")
    func batching() async throws {
        let directory = try TemporaryDirectory()
        let commits = CommitCounter()
        let store = try await SQLiteStore.open(
            location: .file(directory.path("g.sqlite")),
            sink: NoEvents(),
            logger: Logger(label: "t"),
            committed: commits.record
        )
        let repository = SQLiteChatRepository(store: store)
        let owner = User(id: "u", displayName: "U", email: nil, isGuest: true, createdAt: Date())
        try await repository.insertUser(owner, passwordHash: nil)
        let group = try await repository.createGroup(id: "g", name: "G", owner: "u", at: Date())
        let before = commits.total
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for index in 0..<200 {
                tasks.addTask {
                    _ = try await repository.appendMessage(
                        MessageDraft(id: UUIDv7.make(), groupID: group.id, senderID: "u", text: "m\(index)", clientID: nil, createdAt: Date())
                    )
                }
            }
            try await tasks.waitForAll()
        }
        let after = commits.total
        let stored = try await repository.messages(in: group.id, after: 0, limit: 500)
        await store.close()
        #expect(after.writes - before.writes == 200)
        #expect(after.batches - before.batches < 100, "\(after.batches - before.batches) commits for 200 writes")
        #expect(stored.map(\.seq) == Array(1...200))
    }

    @Test("a failing write in a batch rolls back alone")
    func isolation() async throws {
        let directory = try TemporaryDirectory()
        let store = try await SQLiteStore.open(location: .file(directory.path("i.sqlite")), sink: NoEvents(), logger: Logger(label: "t"))
        let repository = SQLiteChatRepository(store: store)
        try await repository.insertUser(User(id: "u", displayName: "U", email: nil, isGuest: true, createdAt: Date()), passwordHash: nil)
        let group = try await repository.createGroup(id: "g", name: "G", owner: "u", at: Date())
        let outcomes = await withTaskGroup(of: Bool.self) { tasks in
            for index in 0..<40 {
                tasks.addTask {
                    // Every fourth write is by a non-member, and fails inside the shared transaction.
                    let sender = index % 4 == 0 ? "stranger" : "u"
                    let draft = MessageDraft(id: UUIDv7.make(), groupID: group.id, senderID: sender, text: "m", clientID: nil, createdAt: Date())
                    return (try? await repository.appendMessage(draft)) != nil
                }
            }
            return await tasks.reduce(into: [Bool]()) { $0.append($1) }
        }
        let stored = try await repository.messages(in: group.id, after: 0, limit: 100)
        await store.close()
        #expect(outcomes.filter { $0 }.count == 30)
        #expect(stored.map(\.seq) == Array(1...30))
    }

    @Test(
        "an insert after which SQLite rolled the transaction back by itself (as on SQLITE_FULL or IOERR) fails its batch and leaves the group working"
    )
    func transactionRolledBackUnderneath() async throws {
        let directory = try TemporaryDirectory()
        let store = try await SQLiteStore.open(location: .file(directory.path("r.sqlite")), sink: NoEvents(), logger: Logger(label: "t"))
        let repository = SQLiteChatRepository(store: store)
        try await repository.insertUser(User(id: "u", displayName: "U", email: nil, isGuest: true, createdAt: Date()), passwordHash: nil)
        let group = try await repository.createGroup(id: "g", name: "G", owner: "u", at: Date())
        func draft(_ text: String) -> MessageDraft {
            MessageDraft(id: UUIDv7.make(), groupID: group.id, senderID: "u", text: text, clientID: nil, createdAt: Date())
        }
        _ = try await repository.appendMessage(draft("first"))
        // RAISE(ROLLBACK) ends the whole transaction from inside the insert, as SQLite does on a full disk.
        try await store.write { transaction in
            try await transaction.connection.execute(
                "CREATE TEMP TRIGGER lose_transaction BEFORE INSERT ON messages WHEN NEW.text = 'boom' BEGIN SELECT RAISE(ROLLBACK, 'rolled back'); END"
            )
        }
        // A batch: the failing insert between two good ones, which must not run outside any transaction.
        let outcomes = await withTaskGroup(of: (String, Bool).self) { tasks in
            for text in ["a", "boom", "b"] {
                tasks.addTask { (text, (try? await repository.appendMessage(draft(text))) != nil) }
            }
            return await tasks.reduce(into: [String: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes["boom"] == false)
        var afterFailures: [String] = []
        for _ in 0..<3 {
            do { _ = try await repository.appendMessage(draft("after")) } catch { afterFailures.append("\(error)") }
        }
        let stored = (try? await repository.messages(in: group.id, after: 0, limit: 100)) ?? []
        let lastSeq = try? await repository.group(id: group.id, as: "u")?.lastSeq
        await store.close()
        #expect(afterFailures.isEmpty, "\(afterFailures)")
        #expect(stored.map(\.seq) == Array(1...Int64(stored.count)), "seq gapless")
        #expect(lastSeq == Int64(stored.count), "last_seq matches what is stored")
        #expect(stored.filter { $0.text == "after" }.count == 3, "the group still takes messages")
        let acknowledged = outcomes.filter(\.value).keys.sorted()
        #expect(stored.filter { acknowledged.contains($0.text) }.count == acknowledged.count, "every acknowledged write is stored")
    }

    @Test("a message whose insert fails inside a batch gives its seq back: replays and reused clientIds leave no gap")
    func insertFailureGivesSeqBack() async throws {
        let directory = try TemporaryDirectory()
        let store = try await SQLiteStore.open(location: .file(directory.path("r.sqlite")), sink: NoEvents(), logger: Logger(label: "t"))
        let repository = SQLiteChatRepository(store: store)
        try await repository.insertUser(User(id: "u", displayName: "U", email: nil, isGuest: true, createdAt: Date()), passwordHash: nil)
        let group = try await repository.createGroup(id: "g", name: "G", owner: "u", at: Date())
        let other = try await repository.createGroup(id: "h", name: "H", owner: "u", at: Date())
        _ = try await repository.appendMessage(
            MessageDraft(id: UUIDv7.make(), groupID: other.id, senderID: "u", text: "elsewhere", clientID: "taken", createdAt: Date())
        )
        let outcomes = await withTaskGroup(of: String.self) { tasks in
            for index in 0..<60 {
                tasks.addTask {
                    // A third reuse a clientId of this group (replays), a sixth the one used in the other group.
                    let clientID = index % 6 == 0 ? "taken" : "c\(index % 20)"
                    let draft = MessageDraft(
                        id: UUIDv7.make(),
                        groupID: group.id,
                        senderID: "u",
                        text: "m\(index)",
                        clientID: clientID,
                        createdAt: Date()
                    )
                    do {
                        switch try await repository.appendMessage(draft) {
                        case .created: return "created"
                        case .replayed(let original): return original.clientId == clientID ? "replayed" : "wrong"
                        }
                    } catch let error as ChatError {
                        return error.code
                    } catch {
                        return "\(error)"
                    }
                }
            }
            return await tasks.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
        }
        let stored = try await repository.messages(in: group.id, after: 0, limit: 100)
        let lastSeq = try await repository.groups(of: "u").first { $0.id == group.id }?.lastSeq
        await store.close()
        // Indexes 1...59 not divisible by 6 use c0...c19: 20 distinct ids (c0, c6, c12, c18 only via other indexes).
        let distinct = Set((0..<60).filter { $0 % 6 != 0 }.map { $0 % 20 }).count
        #expect(outcomes["created"] == distinct)
        #expect(outcomes["replayed"] == 60 - 10 - distinct)
        #expect(outcomes["client_id_reused"] == 10)
        #expect(stored.map(\.seq) == Array(1...Int64(distinct)))
        #expect(lastSeq == Int64(distinct))
    }
}

/// Records the seqs of the messages published, and the names of the threads that published them.
/// Transactions committed, and the writes they carried: fewer transactions than writes is group commit.
private final class CommitCounter: Sendable {
    private let state = Mutex((batches: 0, writes: 0))

    var total: (batches: Int, writes: Int) { self.state.withLock { $0 } }

    @Sendable func record(writes: Int) {
        self.state.withLock { $0 = ($0.batches + 1, $0.writes + writes) }
    }
}

private final class PublicationRecorder: ChatEventSink, Sendable {
    private let state = Mutex<(seqs: [Int64], threads: Set<String>)>(([], []))

    var seqs: [Int64] { self.state.withLock { $0.seqs } }
    var threads: Set<String> { self.state.withLock { $0.threads } }

    func publish(_ events: [ChatEvent]) {
        let thread = Thread.current.name ?? ""
        self.state.withLock { state in
            state.threads.insert(thread)
            for case .messageCreated(let message) in events { state.seqs.append(message.seq) }
        }
    }
}
