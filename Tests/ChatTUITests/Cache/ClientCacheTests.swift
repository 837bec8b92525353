import ChatCore
import ChatTestSupport
import Foundation
import Testing

@testable import ChatTUI

@Suite("The offline cache: a real SQLite file that mirrors the sync state, bounded, rebuilt when unusable, searchable")
struct ClientCacheTests {
    static let session = Session(server: "http://127.0.0.1:1", token: "t", user: UIFixture.me)

    /// A state with group "g" loaded with messages 1…`count` (message 2 deleted), group "h" not opened, and one
    /// message waiting in the outbox.
    static func state(count: Int64 = 12) -> SyncState {
        var messages = (1...count).map { UIFixture.message($0, "note \($0) about the deploy") }
        messages[1].deleted = true
        messages[1].deletedAt = UIFixture.t0.addingTimeInterval(1.5)
        messages[2].text = "Élan vital, café"
        // Every field comes back exactly: fractional dates, an edit, a reply, reactions, a clientId.
        messages[0].createdAt = Date(timeIntervalSince1970: 1_795_692_116.123)
        messages[3].editedAt = UIFixture.t0.addingTimeInterval(0.457)
        messages[4].replyTo = MessageRef(id: "g-1", seq: 1)
        messages[5].reactions = [Reaction(emoji: "👍", userIds: ["bob", "me"]), Reaction(emoji: "🎉", userIds: ["bob"])]
        messages[6].clientId = "c-6"
        let snapshot = SyncSnapshot(
            groups: [
                .init(group: UIFixture.group("g", name: "Club", lastSeq: count), loaded: true, messages: messages, rev: count, readSeq: 3),
                .init(group: UIFixture.group("h", name: "Other"), loaded: false, messages: [], rev: 0, readSeq: 0),
            ],
            outbox: [OutgoingMessage(clientId: "c1", groupId: "g", text: "typed offline", createdAt: UIFixture.t0, replyTo: "g-3")]
        )
        return SyncMachine(me: UIFixture.me, restoring: snapshot).state
    }

    @Test("what is saved comes back after reopening the file: groups in order, messages, read marker, outbox")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let cache = try ClientCache.open(in: directory.url, for: Self.session)
        let state = Self.state()
        cache.save(state)
        cache.close()
        let mode = try FileManager.default.attributesOfItem(atPath: directory.path(ClientCache.fileName))[.posixPermissions] as? Int
        #expect(mode == 0o600, "messages are private")

        let restored = try #require(try ClientCache.open(in: directory.url, for: Self.session).load())
        #expect(restored.groups.map(\.group.name) == ["Club", "Other"])
        #expect(restored.groups[0].messages == state.groups["g"]?.messages)
        #expect(restored.groups[0].messages[5].reactions.map(\.count) == [2, 1])
        #expect(restored.groups[0].readSeq == 3 && restored.groups[0].rev == 12 && restored.groups[0].loaded)
        #expect(!restored.groups[1].loaded)
        #expect(restored.outbox == state.outbox)
    }

    @Test("later saves write changes: an edit, a message gone with its group, a delivered outbox; each group keeps its newest")
    func changesAndBound() throws {
        let directory = try TemporaryDirectory()
        let cache = try ClientCache.open(in: directory.url, for: Self.session, messagesPerGroup: 5)
        var state = Self.state()
        cache.save(state)
        state.groups["g"]?.messages[11].text = "note 12, edited"
        state.groups["g"]?.messages[11].rev = 13
        state.groups["h"] = nil
        state.groupOrder = ["g"]
        state.outbox = []
        cache.save(state)

        let restored = try #require(try ClientCache.open(in: directory.url, for: Self.session, messagesPerGroup: 5).load())
        #expect(restored.groups.map(\.group.id) == ["g"])
        #expect(restored.groups[0].messages.map(\.seq) == [8, 9, 10, 11, 12], "the newest five")
        #expect(restored.groups[0].messages.last?.text == "note 12, edited")
        #expect(restored.outbox.isEmpty)
    }

    @Test("a damaged file, an older schema or another account's file is rebuilt empty, never a crash")
    func rebuilt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path(ClientCache.fileName)
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
        let fromGarbage = try ClientCache.open(in: directory.url, for: Self.session)
        #expect(fromGarbage.load() == SyncSnapshot())
        fromGarbage.save(Self.state())
        fromGarbage.close()

        let other = Session(
            server: Self.session.server,
            token: "t",
            user: User(id: "eve", displayName: "Eve", email: nil, isGuest: true, createdAt: UIFixture.t0)
        )
        let forEve = try ClientCache.open(in: directory.url, for: other)
        #expect(forEve.load() == SyncSnapshot(), "another account never sees Ann's messages")
        forEve.close()

        let ann = try ClientCache.open(in: directory.url, for: Self.session)
        ann.save(Self.state())
        _ = try ann.connection.run("PRAGMA user_version = 0")
        ann.close()
        #expect(try ClientCache.open(in: directory.url, for: Self.session).load() == SyncSnapshot(), "an older schema")
    }

    @Test("offline search: every word, phrases, prefixes and exclusions as on the server; deleted messages never match")
    func search() throws {
        let directory = try TemporaryDirectory()
        let cache = try ClientCache.open(in: directory.url, for: Self.session)
        cache.save(Self.state())
        #expect(cache.search(SearchQuery(parsing: "deploy note")).map(\.message.seq) == [12, 11, 10, 9, 8, 7, 6, 5, 4, 1])
        #expect(cache.search(SearchQuery(parsing: "\"note 1\"")).map(\.message.seq) == [1])
        #expect(cache.search(SearchQuery(parsing: "elan CAFE")).map(\.message.seq) == [3], "case and accents folded")
        #expect(cache.search(SearchQuery(parsing: "dep* -note")).isEmpty)
        #expect(cache.search(SearchQuery(parsing: "deploy"), groupID: "h").isEmpty)
        let hit = try #require(cache.search(SearchQuery(parsing: "vital")).first)
        #expect(hit.highlights == [TextRange(start: 5, length: 5)])
    }

    @Test("deleting the cache removes the file and its journal")
    func delete() throws {
        let directory = try TemporaryDirectory()
        let cache = try ClientCache.open(in: directory.url, for: Self.session)
        cache.save(Self.state())
        cache.close()
        #expect(ClientCache.delete(in: directory.url))
        #expect(!FileManager.default.fileExists(atPath: directory.path(ClientCache.fileName)))
        #expect(!FileManager.default.fileExists(atPath: directory.path(ClientCache.fileName + "-wal")))
    }
}
