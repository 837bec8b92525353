import ChatCore
import ChatTestSupport
import Foundation
import PostgresNIO
import Testing

@testable import ChatServer

/// Two chat-server processes on one fresh PostgreSQL database.
struct TwoInstances {
    let a: ServerProcess
    let b: ServerProcess
    let database: PostgresTesting.Database
    let directory: URL

    static func start(in directory: URL) async throws -> TwoInstances {
        let database = try await PostgresTesting.createDatabase()
        let environment = [
            "DATABASE_URL": database.url, "JWT_SECRET": "shared-secret-of-every-instance-32-bytes!", "BCRYPT_COST": "10", "PRESENCE_GRACE": "1",
        ]
        // Both start at once: the migrations' advisory lock keeps them apart.
        async let a = ServerProcess.start(in: directory, environment: environment)
        async let b = ServerProcess.start(in: directory, environment: environment)
        let servers = TwoInstances(a: try await a, b: try await b, database: database, directory: directory)
        // Serving starts before the first LISTEN: a test that needs notifications waits for it.
        try await servers.a.waitForLog(Self.listening)
        try await servers.b.waitForLog(Self.listening)
        return servers
    }

    static let listening = "Listening for the other instances' events"

    /// The instance id a server logged at start.
    static func instanceID(of server: ServerProcess) throws -> String {
        let log = server.log
        guard let range = log.range(of: "instance=") else { throw ChildProcess.Failure(description: "no instance id in the log:\n\(log)") }
        return String(log[range.upperBound...].prefix { !$0.isWhitespace })
    }

    func stop() async throws {
        try await self.a.stop()
        try await self.b.stop()
        await self.database.drop()
    }

    /// Clients of each instance, and a group that its owner (signed up on A) created and its member (signed up
    /// on B) joined.
    struct SharedGroup {
        let onA: APIClient
        let onB: APIClient
        let owner: AuthResponse
        let member: AuthResponse
        let group: Group
    }

    func sharedGroup(_ name: String, owner: String = "Ann", member: String = "Bob") async throws -> SharedGroup {
        let (onA, onB) = (APIClient(baseURL: self.a.baseURL), APIClient(baseURL: self.b.baseURL))
        let owner = try await onA.guest(displayName: owner)
        let member = try await onB.guest(displayName: member)
        let group = try await onA.authenticated(owner.token).createGroup(name: name)
        _ = try await onB.authenticated(member.token).acceptInvite(try await onA.authenticated(owner.token).createInvite(groupID: group.id).token)
        return SharedGroup(onA: onA, onB: onB, owner: owner, member: member, group: group)
    }

    /// Waits until `condition` holds in the database, checking every 50 ms for at most `timeout`.
    func waitUntil(
        _ what: String,
        timeout: Duration = .seconds(15),
        _ condition: @escaping (PostgresConnection) async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        try await PostgresTesting.connection(to: self.database.url) { connection in
            while try await !condition(connection) {
                guard ContinuousClock.now < deadline else { throw ChildProcess.Failure(description: "timed out waiting until \(what)") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}

@Suite(
    "Several instances on one PostgreSQL",
    .enabled(if: PostgresTesting.isAvailable, PostgresTesting.skipReason),
    .serialized
)
struct MultiInstanceTests {
    @Test("messages, typing and member:joined cross instances, and a joiner follows the new group live")
    func crossInstance() async throws {
        let directory = try TemporaryDirectory()
        let servers = try await TwoInstances.start(in: directory.url)
        let shared = try await servers.sharedGroup("Across")
        let (onA, onB, ann, bob, group) = (shared.onA, shared.onB, shared.owner, shared.member, shared.group)
        let carol = try await onA.guest(displayName: "Carol")

        let (annSocket, _) = try await WebSocketProbe.connect(port: servers.a.port, token: ann.token)
        let (bobSocket, _) = try await WebSocketProbe.connect(port: servers.b.port, token: bob.token)
        let (carolSocket, carolReady) = try await WebSocketProbe.connect(port: servers.a.port, token: carol.token)
        #expect(carolReady.groups.isEmpty)

        let sent = try await onB.authenticated(bob.token).sendMessage(groupID: group.id, text: "from B", clientID: "b-1")
        #expect(try await annSocket.inbox.first { $0.message } == sent)
        #expect(try await bobSocket.inbox.first { $0.message } == sent)

        try bobSocket.send(.typing(groupId: group.id))
        #expect(try await annSocket.inbox.first { $0.typing } == .init(groupId: group.id, user: bob.user.summary))

        // Carol, connected to A, joins through B: A announces it, and follows the group for her.
        let invite = try await onA.authenticated(ann.token).createInvite(groupID: group.id)
        _ = try await onB.authenticated(carol.token).acceptInvite(invite.token)
        // Bob's join (rev 1) and his message (rev 2) came before: Carol's join is rev 3.
        let joined = ServerEvent.MemberJoined(groupId: group.id, user: carol.user.summary, role: .member, rev: 3)
        #expect(try await carolSocket.inbox.first { $0.memberJoined } == joined)
        #expect(try await annSocket.inbox.first { $0.memberJoined } == joined)
        let next = try await onB.authenticated(bob.token).sendMessage(groupID: group.id, text: "welcome Carol", clientID: nil)
        #expect(try await carolSocket.inbox.first { $0.message } == next)

        for probe in [annSocket, bobSocket, carolSocket] { await probe.close() }
        try await servers.stop()
    }

    @Test("when the LISTEN connection is killed, the instance reconnects and delivers what it missed; sockets stay open")
    func listenerRecovery() async throws {
        let directory = try TemporaryDirectory()
        let servers = try await TwoInstances.start(in: directory.url)
        let shared = try await servers.sharedGroup("Resilient")
        let (onB, ann, bob, group) = (shared.onB, shared.owner, shared.member, shared.group)
        let (annSocket, _) = try await WebSocketProbe.connect(port: servers.a.port, token: ann.token)
        let first = try await onB.authenticated(bob.token).sendMessage(groupID: group.id, text: "before", clientID: nil)
        #expect(try await annSocket.inbox.first { $0.message }.seq == first.seq)

        let listener = "chat-server listener \(try TwoInstances.instanceID(of: servers.a))"
        // Ten messages committed with no notification, as if A had missed theirs: only A's catch-up can bring them,
        // whenever its listener comes back. Then the listener is killed.
        let (unheard, killed) = try await PostgresTesting.connection(to: servers.database.url) { connection in
            var unheard: [Int64] = []
            for index in 1...10 {
                try await connection.query("BEGIN", logger: PostgresTesting.logger)
                let taken = try await connection.query(
                    "UPDATE groups SET last_seq = last_seq + 1, last_rev = last_rev + 1 WHERE id = \(group.id) RETURNING last_seq, last_rev",
                    logger: PostgresTesting.logger
                )
                for try await (seq, rev) in taken.decode((Int64, Int64).self) {
                    try await connection.query(
                        """
                        INSERT INTO messages (group_id, seq, rev, created_rev, id, sender_id, text, created_at)
                        VALUES (\(group.id), \(seq), \(rev), \(rev), \(UUIDv7.make()), \(bob.user.id), \("unheard \(index)"), \(Date().milliseconds))
                        """,
                        logger: PostgresTesting.logger
                    )
                    unheard.append(seq)
                }
                try await connection.query("COMMIT", logger: PostgresTesting.logger)
            }
            var count = 0
            let rows = try await connection.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \(listener)",
                logger: PostgresTesting.logger
            )
            for try await terminated in rows.decode(Bool.self) where terminated { count += 1 }
            return (unheard, count)
        }
        #expect(killed == 1)
        // Written through B while A may not hear: nothing of it may be lost, whichever way it comes.
        var sent: [Message] = []
        for index in 1...10 {
            sent.append(try await onB.authenticated(bob.token).sendMessage(groupID: group.id, text: "during \(index)", clientID: nil))
        }
        let expected = (unheard + sent.map(\.seq)).sorted()
        var received: [Int64] = []
        while received.count < expected.count {
            let event = try await annSocket.inbox.next(timeout: .seconds(15))
            if case .ready = event { Issue.record("the socket reconnected; it should have stayed open") }
            if let message = event.message, !received.contains(message.seq) { received.append(message.seq) }
        }
        #expect(received.sorted() == expected)
        #expect(!(await annSocket.inbox.isClosed))
        let recovered = servers.a.log.components(separatedBy: "caught_up_messages=").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
        #expect(recovered.reduce(0, +) >= unheard.count, "\(servers.a.log)")
        // And live delivery works again.
        let after = try await onB.authenticated(bob.token).sendMessage(groupID: group.id, text: "after", clientID: nil)
        #expect(try await annSocket.inbox.first { $0.message?.seq == after.seq ? $0.message : nil } == after)
        await annSocket.close()
        try await servers.stop()
    }

    @Test("edits, deletions, reactions and read markers reach the sockets of the other instance")
    func lifecycleCrossInstance() async throws {
        let directory = try TemporaryDirectory()
        let servers = try await TwoInstances.start(in: directory.url)
        let shared = try await servers.sharedGroup("Across")
        let (onA, ann, bob, group) = (shared.onA, shared.owner, shared.member, shared.group)
        let (annA, bobB) = (onA.authenticated(ann.token), shared.onB.authenticated(bob.token))
        let (annSocket, _) = try await WebSocketProbe.connect(port: servers.a.port, token: ann.token)
        let (bobOnA, _) = try await WebSocketProbe.connect(port: servers.a.port, token: bob.token)
        let (bobOnB, _) = try await WebSocketProbe.connect(port: servers.b.port, token: bob.token)

        let message = try await bobB.sendMessage(groupID: group.id, text: "draft", clientID: nil)
        let edited = try await bobB.editMessage(groupID: group.id, messageID: message.id, text: "final")
        #expect(try await annSocket.inbox.first { $0.updated } == edited)
        let reacted = try await annA.react(groupID: group.id, messageID: message.id, emoji: "👍")
        #expect(try await bobOnB.inbox.first { $0.updated?.rev == reacted.rev ? $0.updated : nil } == reacted)
        try await annA.deleteMessage(groupID: group.id, messageID: message.id)
        let tombstone = try await bobOnB.inbox.first { $0.updated?.deleted == true ? $0.updated : nil }
        #expect(tombstone.rev == reacted.rev + 1 && tombstone.text.isEmpty)
        // Bob reads on A; his socket on B hears it.
        try await onA.authenticated(bob.token).markRead(groupID: group.id, seq: 1)
        #expect(try await bobOnB.inbox.first { $0.readMarker } == .init(groupId: group.id, seq: 1))
        #expect(try await bobOnA.inbox.first { $0.readMarker } == .init(groupId: group.id, seq: 1))
        // The change feed reads the same on both instances.
        let fromA = try await annA.changes(groupID: group.id, since: 0)
        let fromB = try await bobB.changes(groupID: group.id, since: 0)
        #expect(fromA == fromB)
        #expect(fromA.messages == [tombstone] && fromA.rev == tombstone.rev)
        for probe in [annSocket, bobOnA, bobOnB] { await probe.close() }
        try await servers.stop()
    }

    @Test("a member kicked on one instance hears nothing more of the group on the other, even from that instance's own writes")
    func kickCrossInstance() async throws {
        let directory = try TemporaryDirectory()
        let servers = try await TwoInstances.start(in: directory.url)
        let shared = try await servers.sharedGroup("Strict")
        let (onA, onB, ann, bob, group) = (shared.onA, shared.onB, shared.owner, shared.member, shared.group)
        let annA = onA.authenticated(ann.token)
        let carol = try await onB.guest(displayName: "Carol")
        _ = try await onB.authenticated(carol.token).acceptInvite(try await annA.createInvite(groupID: group.id).token)
        let other = try await annA.createGroup(name: "Other")
        _ = try await onB.authenticated(bob.token).acceptInvite(try await annA.createInvite(groupID: other.id).token)
        let (bobOnB, _) = try await WebSocketProbe.connect(port: servers.b.port, token: bob.token)
        let (carolOnB, _) = try await WebSocketProbe.connect(port: servers.b.port, token: carol.token)

        try await annA.kick(groupID: group.id, userID: bob.user.id)
        // At once, through B: a message and typing in the group, then a message in the other group.
        let carolB = onB.authenticated(carol.token)
        _ = try await carolB.sendMessage(groupID: group.id, text: "right after", clientID: nil)
        try carolOnB.send(.typing(groupId: group.id))
        let sentinel = try await onB.authenticated(ann.token).sendMessage(groupID: other.id, text: "sentinel", clientID: nil)
        let removed = try await bobOnB.inbox.first { $0.memberRemoved }
        #expect(removed.userId == bob.user.id && removed.reason == .kicked)
        let next = try await bobOnB.inbox.first { $0.concerns(group.id) || $0.concerns(other.id) ? $0 : nil }
        #expect(next.message == sentinel, "nothing of the group after the kick, got \(next)")

        // A request to join, approved on A, reaches its requester on B.
        let gate = try await onA.authenticated(ann.token).createInvite(groupID: group.id, requireApproval: true)
        let dan = try await onB.guest(displayName: "Dan")
        let (danOnB, _) = try await WebSocketProbe.connect(port: servers.b.port, token: dan.token)
        let request = try #require(try await onB.authenticated(dan.token).acceptInvite(gate.token).request)
        _ = try await annA.approve(groupID: group.id, requestID: request.id)
        let joined = try await danOnB.inbox.first { $0.memberJoined }
        #expect(joined.groupId == group.id && joined.user.id == dan.user.id)
        let welcome = try await annA.sendMessage(groupID: group.id, text: "welcome Dan", clientID: nil)
        #expect(try await danOnB.inbox.first { $0.message } == welcome)
        for probe in [bobOnB, carolOnB, danOnB] { await probe.close() }
        try await servers.stop()
    }

    @Test("sessions ended on one instance end on the other: its sockets close and the tokens it had accepted get 401")
    func sessionsCrossInstance() async throws {
        let directory = try TemporaryDirectory()
        let servers = try await TwoInstances.start(in: directory.url)
        let shared = try await servers.sharedGroup("Sessions")
        let (onA, onB, ann, bob) = (shared.onA, shared.onB, shared.owner, shared.member)
        // B has accepted both tokens (and cached their versions) and holds their sockets.
        _ = try await onB.authenticated(ann.token).me()
        _ = try await onB.authenticated(bob.token).me()
        let (annOnB, _) = try await WebSocketProbe.connect(port: servers.b.port, token: ann.token)
        let (bobOnB, _) = try await WebSocketProbe.connect(port: servers.b.port, token: bob.token)

        // Ann signs out everywhere on A.
        try await onA.authenticated(ann.token).logoutAll()
        #expect(try await annOnB.closeFrame()?.closeCode == .unknown(4001))
        await #expect(throws: APIError.self) { _ = try await onB.authenticated(ann.token).me() }
        // Bob deletes his guest account on A: his socket on B closes.
        let fresh = try await onA.guest(displayName: "Watcher")
        _ = try await onB.authenticated(fresh.token).me()
        try await onA.authenticated(bob.token).deleteAccount()
        #expect(try await bobOnB.closeFrame()?.closeCode == .unknown(4001))
        do {
            _ = try await onB.authenticated(bob.token).me()
            Issue.record("a deleted account's token was accepted on the other instance")
        } catch {
            #expect(error.isUnauthorized)
        }
        // Tokens of others are untouched.
        #expect(try await onB.authenticated(fresh.token).me().id == fresh.user.id)
        try await servers.stop()
    }

    @Test("presence across instances: a user connected to both stays online until their last socket anywhere closes")
    func presenceCrossInstance() async throws {
        let directory = try TemporaryDirectory()
        let servers = try await TwoInstances.start(in: directory.url)
        let shared = try await servers.sharedGroup("Watch", owner: "Carol")
        let (onB, carol, bob, group) = (shared.onB, shared.owner, shared.member, shared.group)
        let (carolSocket, _) = try await WebSocketProbe.connect(port: servers.a.port, token: carol.token)
        let (bobOnA, _) = try await WebSocketProbe.connect(port: servers.a.port, token: bob.token)
        let (bobOnB, _) = try await WebSocketProbe.connect(port: servers.b.port, token: bob.token)
        let online = try await carolSocket.inbox.first { $0.presence }
        #expect(online.userId == bob.user.id && online.status == .online)

        // Bob leaves A: once A has let his record go (after its grace period), he is still online through B.
        await bobOnA.close()
        let instanceA = try TwoInstances.instanceID(of: servers.a)
        try await servers.waitUntil("A drops Bob's presence record") { connection in
            try await connection.count("SELECT count(*) FROM presence WHERE user_id = \(bob.user.id) AND instance_id = \(instanceA)") == 0
        }
        let members = try await onB.authenticated(bob.token).members(groupID: group.id)
        #expect(members.members.first { $0.user.id == bob.user.id }?.presence.status == .online)
        let sent = try await onB.authenticated(bob.token).sendMessage(groupID: group.id, text: "still here", clientID: nil)
        #expect(try await carolSocket.inbox.next(timeout: .seconds(10)).message == sent, "no offline came before the message")

        // His last socket closes on B: Carol, on A, hears it from B.
        await bobOnB.close()
        let offline = try await carolSocket.inbox.first(timeout: .seconds(15)) { $0.presence }
        #expect(offline.userId == bob.user.id && offline.status == .offline && offline.lastSeenAt != nil)
        await carolSocket.close()
        try await servers.stop()
    }

    @Test("writers on both instances at once: gapless seq, atomic invite uses, one message per clientId")
    func concurrentWriters() async throws {
        let directory = try TemporaryDirectory()
        let servers = try await TwoInstances.start(in: directory.url)
        let instances = [APIClient(baseURL: servers.a.baseURL), APIClient(baseURL: servers.b.baseURL)]
        let ann = try await instances[0].guest(displayName: "Ann")
        let annAPI = instances[0].authenticated(ann.token)
        let group = try await annAPI.createGroup(name: "Contended")

        // 30 guests accept a 5-use invite, alternating instances.
        let invite = try await annAPI.createInvite(groupID: group.id, uses: 5)
        var guests: [APIClient] = []
        for index in 0..<30 {
            guests.append(instances[index % 2].authenticated(try await instances[index % 2].guest(displayName: "G\(index)").token))
        }
        let joined = await withTaskGroup(of: Bool.self) { tasks in
            for guest in guests { tasks.addTask { (try? await guest.acceptInvite(invite.token)) != nil } }
            return await tasks.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(joined == 5)
        #expect(try await annAPI.group(id: group.id).members.count == 6)

        // 100 messages through both instances at once, each clientId sent twice (once per instance).
        let writers = [instances[0].authenticated(ann.token), instances[1].authenticated(ann.token)]
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for number in 0..<50 {
                for writer in writers {
                    tasks.addTask { _ = try await writer.sendMessage(groupID: group.id, text: "m\(number)", clientID: "c-\(number)") }
                }
            }
            try await tasks.waitForAll()
        }
        let stored = try await annAPI.catchUp(groupID: group.id, after: 0)
        #expect(stored.map(\.seq) == Array(1...50))
        #expect(Set(stored.compactMap(\.clientId)).count == 50)
        try await servers.stop()
    }
}

extension PostgresConnection {
    /// The single integer a `SELECT count(*)` returns.
    func count(_ query: PostgresQuery) async throws -> Int64 {
        for try await value in try await self.query(query, logger: PostgresTesting.logger).decode(Int64.self) { return value }
        return 0
    }
}
