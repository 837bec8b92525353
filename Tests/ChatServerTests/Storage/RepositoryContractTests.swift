import ChatCore
import ChatTestSupport
import Foundation
import Logging
import SQLiteNIO
import Synchronization
import Testing

@testable import ChatServer

/// Collects the events storage publishes.
final class RecordingSink: ChatEventSink {
    private let events = Mutex<[ChatEvent]>([])
    func publish(_ events: [ChatEvent]) { self.events.withLock { $0 += events } }
    var recorded: [ChatEvent] { self.events.withLock { $0 } }
}

/// One storage backend under test, on a fresh database.
enum Backend {
    case sqlite
    case postgres

    /// Runs `body` with a repository on a new, empty database of this backend, and cleans up.
    func withRepository(_ body: @escaping @Sendable (any ChatRepository, RecordingSink) async throws -> Void) async throws {
        let sink = RecordingSink()
        let logger = Logger(label: "contract")
        switch self {
        case .sqlite:
            let directory = try TemporaryDirectory()
            let store = try await SQLiteStore.open(location: .file(directory.path("contract.sqlite")), sink: sink, logger: logger)
            do {
                try await body(SQLiteChatRepository(store: store), sink)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        case .postgres:
            let database = try await PostgresTesting.createDatabase()
            let store = PostgresStore(url: try PostgresURL(database.url), instanceID: "contract", logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.client.run() }
                defer { group.cancelAll() }
                try await store.migrate()
                try await body(PostgresChatRepository(store: store, sink: sink), sink)
            }
            await database.drop()
        }
    }
}

/// The behaviour every backend must have, checked on each.
enum RepositoryContract {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    static func user(_ name: String, email: String? = nil) -> User {
        User(id: UUIDv7.make(), displayName: name, email: email, isGuest: email == nil, createdAt: t0)
    }

    static func draft(_ group: String, _ sender: String, _ text: String, clientID: String? = nil) -> MessageDraft {
        MessageDraft(id: UUIDv7.make(), groupID: group, senderID: sender, text: text, clientID: clientID, createdAt: t0)
    }

    static func accounts(_ repository: any ChatRepository) async throws {
        let ann = self.user("Ann", email: "Ann@Example.org")
        try await repository.insertUser(ann, passwordHash: "$2b$10$hash")
        await #expect(throws: ChatError.emailTaken) {
            try await repository.insertUser(self.user("Other", email: "ann@example.ORG"), passwordHash: "$2b$10$x")
        }
        let found = try #require(try await repository.credentials(email: "ANN@example.org"))
        #expect(found.user == ann)
        #expect(found.passwordHash == "$2b$10$hash")
        #expect(try await repository.user(id: ann.id) == ann)
        #expect(try await repository.user(id: "nobody") == nil)
    }

    static func groupsAndEvents(_ repository: any ChatRepository, _ sink: RecordingSink) async throws {
        let ann = self.user("Ann")
        try await repository.insertUser(ann, passwordHash: nil)
        let first = try await repository.createGroup(id: UUIDv7.make(), name: "First", owner: ann.id, at: t0)
        let second = try await repository.createGroup(id: UUIDv7.make(), name: "Second", owner: ann.id, at: t0.addingTimeInterval(1))
        #expect(sink.recorded.contains(.memberJoined(groupID: first.id, user: ann.summary, role: .owner, rev: 0)))
        #expect(try await repository.groups(of: ann.id).map(\.id) == [second.id, first.id])
        var bump = self.draft(first.id, ann.id, "bump")
        bump.createdAt = t0.addingTimeInterval(2)
        _ = try await repository.appendMessage(bump)
        #expect(try await repository.groups(of: ann.id).map(\.id) == [first.id, second.id])
        #expect(try await repository.role(of: ann.id, in: first.id) == .owner)
        #expect(try await repository.members(of: first.id).map(\.user) == [ann.summary])
        #expect(try await repository.group(id: first.id, as: "stranger") == nil)
    }

    static func invites(_ repository: any ChatRepository) async throws {
        let ann = self.user("Ann")
        try await repository.insertUser(ann, passwordHash: nil)
        let group = try await repository.createGroup(id: UUIDv7.make(), name: "Invites", owner: ann.id, at: t0)
        let hash = InviteToken.generate().hash
        try await repository.insertInvite(
            NewInvite(
                id: UUIDv7.make(),
                tokenHash: hash,
                groupID: group.id,
                createdBy: ann.id,
                createdAt: t0,
                expiresAt: t0.addingTimeInterval(3600),
                maxUses: 5
            )
        )
        #expect(try await repository.invitePreview(tokenHash: hash)?.groupName == "Invites")
        var guests: [User] = []
        for index in 0..<30 {
            let guest = self.user("G\(index)")
            try await repository.insertUser(guest, passwordHash: nil)
            guests.append(guest)
        }
        let outcomes = await withTaskGroup(of: String.self) { tasks in
            for guest in guests {
                tasks.addTask {
                    do {
                        _ = try await repository.acceptInvite(tokenHash: hash, userID: guest.id, at: t0)
                        return "joined"
                    } catch let error as ChatError {
                        return error.code
                    } catch {
                        return "\(error)"
                    }
                }
            }
            return await tasks.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "joined" }.count == 5, "\(Set(outcomes))")
        #expect(outcomes.filter { $0 == "invite_used_up" }.count == 25)
        #expect(try await repository.members(of: group.id).count == 6)
        // A member accepting again consumes nothing, even when the invite is used up.
        let again = try await repository.acceptInvite(tokenHash: hash, userID: ann.id, at: t0)
        guard case .alreadyMember(let current) = again else {
            Issue.record("expected alreadyMember, got \(again)")
            return
        }
        #expect(current.id == group.id)
        #expect(current.memberCount == 6)
        await #expect(throws: ChatError.inviteExpired) {
            let late = InviteToken.generate().hash
            try await repository.insertInvite(
                NewInvite(
                    id: UUIDv7.make(),
                    tokenHash: late,
                    groupID: group.id,
                    createdBy: ann.id,
                    createdAt: t0,
                    expiresAt: t0.addingTimeInterval(60),
                    maxUses: 5
                )
            )
            _ = try await repository.acceptInvite(tokenHash: late, userID: guests[29].id, at: t0.addingTimeInterval(61))
        }
        await #expect(throws: ChatError.inviteNotFound) {
            _ = try await repository.acceptInvite(tokenHash: InviteToken.generate().hash, userID: ann.id, at: t0)
        }
    }

    /// A group of `owner` with `others` as members (each through an invite of the owner's), everyone stored.
    static func group(_ repository: any ChatRepository, name: String, owner: User, others: [User]) async throws -> Group {
        for user in [owner] + others { try await repository.insertUser(user, passwordHash: nil) }
        let group = try await repository.createGroup(id: UUIDv7.make(), name: name, owner: owner.id, at: t0)
        for user in others {
            let hash = InviteToken.generate().hash
            try await repository.insertInvite(
                NewInvite(
                    id: UUIDv7.make(),
                    tokenHash: hash,
                    groupID: group.id,
                    createdBy: owner.id,
                    createdAt: t0,
                    expiresAt: t0.addingTimeInterval(60),
                    maxUses: 1
                )
            )
            _ = try await repository.acceptInvite(tokenHash: hash, userID: user.id, at: t0)
        }
        return group
    }

    static func messages(_ repository: any ChatRepository, _ sink: RecordingSink) async throws {
        let senders = (0..<5).map { self.user("S\($0)") }
        let group = try await self.group(repository, name: "Busy", owner: senders[0], others: Array(senders.dropFirst()))
        // 100 concurrent appends from 5 senders, each sending one clientId twice: 95 messages, seq 1…95, gapless.
        let results = try await withThrowingTaskGroup(of: MessageAppend.self) { tasks in
            for (index, sender) in senders.enumerated() {
                for number in 0..<20 {
                    let clientID = number < 2 ? "dup-\(index)" : "\(index)-\(number)"
                    tasks.addTask { try await repository.appendMessage(self.draft(group.id, sender.id, "m", clientID: clientID)) }
                }
            }
            return try await tasks.reduce(into: [MessageAppend]()) { $0.append($1) }
        }
        let created = results.compactMap { if case .created(let message) = $0 { message } else { nil } }
        #expect(created.map(\.seq).sorted() == Array(1...95))
        #expect(results.count == 100)
        #expect(results.filter { if case .replayed = $0 { true } else { false } }.count == 5)
        let stored = try await repository.messages(in: group.id, after: 0, limit: 100)
        #expect(stored.map(\.seq) == Array(1...95))
        #expect(Set(stored.compactMap(\.clientId)).count == 95)
        #expect(sink.recorded.filter { if case .messageCreated = $0 { true } else { false } }.count == 95)
        // Pages by cursor and after.
        #expect(try await repository.messages(in: group.id, before: nil, limit: 10).map(\.seq) == Array(86...95))
        #expect(try await repository.messages(in: group.id, before: 86, limit: 10).map(\.seq) == Array(76...85))
        #expect(try await repository.messages(in: group.id, after: 90, limit: 10).map(\.seq) == Array(91...95))
        // A clientId is the sender's: reused in another group, it is a conflict.
        let other = try await repository.createGroup(id: UUIDv7.make(), name: "Other", owner: senders[0].id, at: t0)
        await #expect(throws: ChatError.clientIDReused) {
            _ = try await repository.appendMessage(self.draft(other.id, senders[0].id, "x", clientID: "dup-0"))
        }
        await #expect(throws: ChatError.groupNotFound) {
            _ = try await repository.appendMessage(self.draft(other.id, senders[1].id, "not a member"))
        }
    }
}

@Suite("Storage contract on SQLite")
struct SQLiteContractTests {
    @Test("accounts") func accounts() async throws {
        try await Backend.sqlite.withRepository { repository, _ in try await RepositoryContract.accounts(repository) }
    }
    @Test("groups and their events") func groups() async throws {
        try await Backend.sqlite.withRepository { repository, sink in try await RepositoryContract.groupsAndEvents(repository, sink) }
    }
    @Test("invites, with 30 concurrent accepts of a 5-use invite") func invites() async throws {
        try await Backend.sqlite.withRepository { repository, _ in try await RepositoryContract.invites(repository) }
    }
    @Test("messages: gapless seq under concurrent writers, idempotency, pages") func messages() async throws {
        try await Backend.sqlite.withRepository { repository, sink in try await RepositoryContract.messages(repository, sink) }
    }
    @Test("edits, deletions, reactions and replies, each taking the next rev") func lifecycle() async throws {
        try await Backend.sqlite.withRepository { repository, sink in try await LifecycleContract.lifecycle(repository, sink) }
    }
    @Test("the change feed: current state, once per message, paged") func changes() async throws {
        try await Backend.sqlite.withRepository { repository, _ in try await LifecycleContract.changes(repository) }
    }
    @Test("the change feed matches a model of random edits, deletions and reactions, at every page size")
    func changeFeedModel() async throws {
        try await Backend.sqlite.withRepository { repository, _ in try await LifecycleContract.changeFeedModel(repository) }
    }
    @Test("who may remove whom, leaving, transfers, and the last member taking the group along") func removals() async throws {
        try await Backend.sqlite.withRepository { repository, sink in try await ModerationContract.removals(repository, sink) }
    }
    @Test("bans, the settings and the invite policy") func bansAndSettings() async throws {
        try await Backend.sqlite.withRepository { repository, sink in try await ModerationContract.bansAndSettings(repository, sink) }
    }
    @Test("join requests: 30 concurrent accepts of a 5-use approval invite, decisions, expiry and the audit") func joinRequests() async throws {
        try await Backend.sqlite.withRepository { repository, sink in try await ModerationContract.joinRequests(repository, sink) }
    }
    @Test("membership changes in the change feed") func memberFeed() async throws {
        try await Backend.sqlite.withRepository { repository, _ in try await ModerationContract.memberFeed(repository) }
    }
    @Test("search: words, phrases, prefixes, exclusions, other scripts, only the caller's groups, paged") func searchSyntax() async throws {
        try await Backend.sqlite.withRepository { repository, _ in try await SearchContract.syntax(repository) }
    }
    @Test("search follows edits, deletions and a deleted group") func searchChanges() async throws {
        try await Backend.sqlite.withRepository { repository, _ in try await SearchContract.changes(repository) }
    }
    @Test("retention: expired messages erased in batches, history and search consistent, seq and rev kept")
    func retention() async throws {
        try await Backend.sqlite.withRepository { repository, _ in try await RetentionContract.purge(repository) }
    }
    @Test("the search index keeps no entry of a message deleted, purged or erased with its group")
    func searchIndexErased() async throws {
        try await Backend.sqlite.withRepository { repository, _ in
            try await SearchContract.changes(repository)
            try await RetentionContract.purge(repository)
            let store = try #require(repository as? SQLiteChatRepository).store
            for word in ["doomed", "words", "word10", "word249"] {
                let entries = try await store.read { connection in
                    try await connection.rows("SELECT count(*) AS n FROM message_search WHERE message_search MATCH ?", [.text(word)])
                        .first?.int("n")
                }
                #expect(entries == 0, "\(word)")
            }
            let kept = try await store.read { connection in
                try await connection.rows("SELECT count(*) AS n FROM message_search WHERE message_search MATCH 'word300'").first?.int("n")
            }
            #expect(kept == 1)
        }
    }
    @Test("token versions: raised, announced, with a new password") func sessions() async throws {
        try await Backend.sqlite.withRepository { repository, sink in try await AccountContract.sessions(repository, sink) }
    }
    @Test("disabling an account ends its tokens; enabling it again") func disabling() async throws {
        try await Backend.sqlite.withRepository { repository, sink in try await AdminContract.disabling(repository, sink) }
    }
    @Test("the admin command's lists, look-ups and counts") func adminReads() async throws {
        try await Backend.sqlite.withRepository { repository, sink in
            try await AdminContract.reads(try #require(repository as? any AdminRepository), sink)
        }
    }
    @Test("account deletion: tombstones with revs, ownership passed on, empty groups deleted, nothing found") func deletion() async throws {
        try await Backend.sqlite.withRepository { repository, sink in try await AccountContract.deletion(repository, sink) }
    }
    @Test("an account deletion cut short is finished") func interruptedDeletion() async throws {
        try await Backend.sqlite.withRepository { repository, _ in try await AccountContract.interrupted(repository) }
    }
    @Test("owned groups and live invites counted per user") func quotaCounts() async throws {
        try await Backend.sqlite.withRepository { repository, _ in try await QuotaContract.counts(repository) }
    }
    @Test("two invites to one group accepted at once by one user: one joins, the other is already a member")
    func concurrentAccepts() async throws {
        try await Backend.sqlite.withRepository { repository, _ in try await QuotaContract.concurrentAccepts(repository) }
    }
    @Test("read markers and unread counts") func readMarkers() async throws {
        try await Backend.sqlite.withRepository { repository, sink in try await LifecycleContract.readMarkers(repository, sink) }
    }
    @Test("presence over two instances, expiry, and the member list") func presence() async throws {
        try await Backend.sqlite.withRepository { repository, sink in try await LifecycleContract.presence(repository, sink) }
    }
}

@Suite("Storage contract on PostgreSQL", .enabled(if: PostgresTesting.isAvailable, PostgresTesting.skipReason))
struct PostgresContractTests {
    @Test("accounts") func accounts() async throws {
        try await Backend.postgres.withRepository { repository, _ in try await RepositoryContract.accounts(repository) }
    }
    @Test("groups and their events") func groups() async throws {
        try await Backend.postgres.withRepository { repository, sink in try await RepositoryContract.groupsAndEvents(repository, sink) }
    }
    @Test("invites, with 30 concurrent accepts of a 5-use invite") func invites() async throws {
        try await Backend.postgres.withRepository { repository, _ in try await RepositoryContract.invites(repository) }
    }
    @Test("messages: gapless seq under concurrent writers, idempotency, pages") func messages() async throws {
        try await Backend.postgres.withRepository { repository, sink in try await RepositoryContract.messages(repository, sink) }
    }
    @Test("edits, deletions, reactions and replies, each taking the next rev") func lifecycle() async throws {
        try await Backend.postgres.withRepository { repository, sink in try await LifecycleContract.lifecycle(repository, sink) }
    }
    @Test("the change feed: current state, once per message, paged") func changes() async throws {
        try await Backend.postgres.withRepository { repository, _ in try await LifecycleContract.changes(repository) }
    }
    @Test("the change feed matches a model of random edits, deletions and reactions, at every page size")
    func changeFeedModel() async throws {
        try await Backend.postgres.withRepository { repository, _ in try await LifecycleContract.changeFeedModel(repository) }
    }
    @Test("who may remove whom, leaving, transfers, and the last member taking the group along") func removals() async throws {
        try await Backend.postgres.withRepository { repository, sink in try await ModerationContract.removals(repository, sink) }
    }
    @Test("bans, the settings and the invite policy") func bansAndSettings() async throws {
        try await Backend.postgres.withRepository { repository, sink in try await ModerationContract.bansAndSettings(repository, sink) }
    }
    @Test("join requests: 30 concurrent accepts of a 5-use approval invite, decisions, expiry and the audit") func joinRequests() async throws {
        try await Backend.postgres.withRepository { repository, sink in try await ModerationContract.joinRequests(repository, sink) }
    }
    @Test("membership changes in the change feed") func memberFeed() async throws {
        try await Backend.postgres.withRepository { repository, _ in try await ModerationContract.memberFeed(repository) }
    }
    @Test("search: words, phrases, prefixes, exclusions, other scripts, only the caller's groups, paged") func searchSyntax() async throws {
        try await Backend.postgres.withRepository { repository, _ in try await SearchContract.syntax(repository) }
    }
    @Test("search follows edits, deletions and a deleted group") func searchChanges() async throws {
        try await Backend.postgres.withRepository { repository, _ in try await SearchContract.changes(repository) }
    }
    @Test("retention: expired messages erased in batches, history and search consistent, seq and rev kept")
    func retention() async throws {
        try await Backend.postgres.withRepository { repository, _ in try await RetentionContract.purge(repository) }
    }
    @Test("token versions: raised, announced, with a new password") func sessions() async throws {
        try await Backend.postgres.withRepository { repository, sink in try await AccountContract.sessions(repository, sink) }
    }
    @Test("disabling an account ends its tokens; enabling it again") func disabling() async throws {
        try await Backend.postgres.withRepository { repository, sink in try await AdminContract.disabling(repository, sink) }
    }
    @Test("the admin command's lists, look-ups and counts") func adminReads() async throws {
        try await Backend.postgres.withRepository { repository, sink in
            try await AdminContract.reads(try #require(repository as? any AdminRepository), sink)
        }
    }
    @Test("account deletion: tombstones with revs, ownership passed on, empty groups deleted, nothing found") func deletion() async throws {
        try await Backend.postgres.withRepository { repository, sink in try await AccountContract.deletion(repository, sink) }
    }
    @Test("an account deletion cut short is finished") func interruptedDeletion() async throws {
        try await Backend.postgres.withRepository { repository, _ in try await AccountContract.interrupted(repository) }
    }
    @Test("owned groups and live invites counted per user") func quotaCounts() async throws {
        try await Backend.postgres.withRepository { repository, _ in try await QuotaContract.counts(repository) }
    }
    @Test("two invites to one group accepted at once by one user: one joins, the other is already a member")
    func concurrentAccepts() async throws {
        try await Backend.postgres.withRepository { repository, _ in try await QuotaContract.concurrentAccepts(repository) }
    }
    @Test("read markers and unread counts") func readMarkers() async throws {
        try await Backend.postgres.withRepository { repository, sink in try await LifecycleContract.readMarkers(repository, sink) }
    }
    @Test("presence over two instances, expiry, and the member list") func presence() async throws {
        try await Backend.postgres.withRepository { repository, sink in try await LifecycleContract.presence(repository, sink) }
    }

    @Test("two instances migrating one new database at once apply each migration once")
    func concurrentMigrations() async throws {
        let database = try await PostgresTesting.createDatabase()
        let stores = (0..<3).map { PostgresStore(url: try! PostgresURL(database.url), instanceID: "m\($0)", logger: Logger(label: "migrate")) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores { group.addTask { await store.client.run() } }
            defer { group.cancelAll() }
            try await withThrowingTaskGroup(of: Void.self) { migrations in
                for store in stores { migrations.addTask { try await store.migrate() } }
                try await migrations.waitForAll()
            }
            let count = try await PostgresTesting.connection(to: database.url) { connection in
                var names: [String] = []
                for try await name in try await connection.query("SELECT name FROM schema_migrations ORDER BY name", logger: PostgresTesting.logger)
                    .decode(String.self)
                {
                    names.append(name)
                }
                return names
            }
            #expect(count == Migration.all.map(\.name))
        }
        await database.drop()
    }
}

@Suite("PostgreSQL URLs")
struct PostgresURLTests {
    @Test("user, password, host, port, database and sslmode are read; bad URLs say what is missing")
    func parsing() throws {
        let url = try PostgresURL("postgres://chat:p%40ss@db.internal:6543/chat?sslmode=require")
        #expect(url.username == "chat")
        #expect(url.password == "p@ss")
        #expect(url.host == "db.internal")
        #expect(url.port == 6543)
        #expect(url.database == "chat")
        #expect(url.sslMode == .require)
        #expect(try PostgresURL("postgresql://u@h/d").sslMode == .prefer)
        #expect(try PostgresURL("postgresql://u@h/d").port == 5432)
        for bad in ["postgres://h/d", "postgres://u@h/", "postgres://u@h/d?sslmode=always", "mysql://u@h/d"] {
            #expect(throws: ConfigurationError.self) { try PostgresURL(bad) }
        }
    }
}
