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
        let environment = ["DATABASE_URL": database.url, "JWT_SECRET": "shared-secret-of-every-instance-32-bytes!", "BCRYPT_COST": "10"]
        // Both start at once: the migrations' advisory lock keeps them apart.
        async let a = ServerProcess.start(in: directory, environment: environment)
        async let b = ServerProcess.start(in: directory, environment: environment)
        return TwoInstances(a: try await a, b: try await b, database: database, directory: directory)
    }

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
        let onA = APIClient(baseURL: servers.a.baseURL)
        let onB = APIClient(baseURL: servers.b.baseURL)
        let ann = try await onA.guest(displayName: "Ann")
        let bob = try await onB.guest(displayName: "Bob")
        let carol = try await onA.guest(displayName: "Carol")
        let group = try await onA.authenticated(ann.token).createGroup(name: "Across")
        _ = try await onB.authenticated(bob.token).acceptInvite(try await onA.authenticated(ann.token).createInvite(groupID: group.id).token)

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
        let joined = ServerEvent.MemberJoined(groupId: group.id, user: carol.user.summary, role: .member)
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
        let onA = APIClient(baseURL: servers.a.baseURL)
        let onB = APIClient(baseURL: servers.b.baseURL)
        let ann = try await onA.guest(displayName: "Ann")
        let bob = try await onB.guest(displayName: "Bob")
        let group = try await onA.authenticated(ann.token).createGroup(name: "Resilient")
        _ = try await onB.authenticated(bob.token).acceptInvite(try await onA.authenticated(ann.token).createInvite(groupID: group.id).token)
        let (annSocket, _) = try await WebSocketProbe.connect(port: servers.a.port, token: ann.token)
        let first = try await onB.authenticated(bob.token).sendMessage(groupID: group.id, text: "before", clientID: nil)
        #expect(try await annSocket.inbox.first { $0.message }.seq == first.seq)

        let listener = "chat-server listener \(try TwoInstances.instanceID(of: servers.a))"
        let killed = try await PostgresTesting.connection(to: servers.database.url) { connection in
            var count = 0
            let rows = try await connection.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \(listener)",
                logger: PostgresTesting.logger
            )
            for try await terminated in rows.decode(Bool.self) where terminated { count += 1 }
            return count
        }
        #expect(killed == 1)
        // Written while A cannot hear: nothing of it may be lost.
        var sent: [Message] = []
        for index in 1...10 {
            sent.append(try await onB.authenticated(bob.token).sendMessage(groupID: group.id, text: "during \(index)", clientID: nil))
        }
        var received: [Int64] = []
        while received.count < 10 {
            let event = try await annSocket.inbox.next(timeout: .seconds(15))
            if case .ready = event { Issue.record("the socket reconnected; it should have stayed open") }
            if let message = event.message, !received.contains(message.seq) { received.append(message.seq) }
        }
        #expect(received.sorted() == sent.map(\.seq))
        #expect(!(await annSocket.inbox.isClosed))
        // The messages came through the catch-up from the database, not through notifications.
        let recovered = servers.a.log.components(separatedBy: "caught_up_messages=").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
        #expect(recovered.reduce(0, +) >= 1, "\(servers.a.log)")
        // And live delivery works again.
        let after = try await onB.authenticated(bob.token).sendMessage(groupID: group.id, text: "after", clientID: nil)
        #expect(try await annSocket.inbox.first { $0.message?.seq == after.seq ? $0.message : nil } == after)
        await annSocket.close()
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
