import ChatCore
import ChatTestSupport
import Foundation
import Testing

@Suite("SyncEngine and RealtimeClient against real server processes")
struct SyncEngineTests {
    @Test("two clients see each other's messages live, in order, without duplicates")
    func live() async throws {
        let directory = try TemporaryDirectory()
        let server = try await startServer(in: directory.url)
        let base = APIClient(baseURL: server.baseURL)
        let (ann, bob, group) = try await base.annAndBob(in: "Live")

        let annEngine = SyncEngine(api: base.authenticated(ann.token), me: ann.user)
        let bobEngine = SyncEngine(api: base.authenticated(bob.token), me: bob.user)
        async let annEngineRun: Void = annEngine.run()
        async let bobEngineRun: Void = bobEngine.run()
        annEngine.focus(group.id)
        _ = try await bobEngine.waitUntil { $0.connection == .connected }
        _ = try await annEngine.waitUntil { $0.connection == .connected && $0.groups[group.id]?.loaded == true }

        for index in 1...5 {
            annEngine.send("ann \(index)", to: group.id)
            bobEngine.send("bob \(index)", to: group.id)
        }
        let annState = try await annEngine.waitUntil { $0.groups[group.id]?.messages.count == 10 && $0.outbox.isEmpty }
        #expect(annState.groups[group.id]?.messages.map(\.seq) == Array(1...10))
        // Bob has not opened the group: Ann's five messages are unread, his own are not.
        _ = try await bobEngine.waitUntil { $0.outbox.isEmpty && $0.groups[group.id]?.unread == 5 }
        bobEngine.focus(group.id)
        let bobState = try await bobEngine.waitUntil { $0.groups[group.id]?.messages.count == 10 }
        #expect(bobState.groups[group.id]?.messages.map(\.seq) == Array(1...10))
        #expect(bobState.groups[group.id]?.unread == 0)
        annEngine.stop()
        await annEngineRun
        bobEngine.stop()
        await bobEngineRun
        try await server.stop()
    }

    @Test("after a server restart the client reconnects, catches up what it missed, and sends its outbox exactly once")
    func reconnect() async throws {
        let directory = try TemporaryDirectory()
        // Restarted on the same port later: a port no other test's server can be given meanwhile.
        let port = FreePort.reserve()
        var server = try await startServer(in: directory.url, port: port)
        let base = APIClient(baseURL: server.baseURL)
        let (ann, bob, group) = try await base.annAndBob(in: "Flaky")
        let annAPI = base.authenticated(ann.token)
        for index in 1...3 { _ = try await annAPI.sendMessage(groupID: group.id, text: "before \(index)", clientID: nil) }

        let engine = SyncEngine(api: annAPI, me: ann.user, backoff: Backoff(base: .milliseconds(100), cap: .milliseconds(400)))
        async let engineRun: Void = engine.run()
        engine.focus(group.id)
        _ = try await engine.waitUntil { $0.connection == .connected && $0.groups[group.id]?.messages.count == 3 }

        // The server goes away. Ann writes while it is gone: the message waits in the outbox.
        try await server.stop()
        _ = try await engine.waitUntil {
            if case .reconnecting = $0.connection { true } else { false }
        }
        engine.send("written offline", to: group.id)
        try await engine.waitUntil { $0.outbox.map(\.status) == [.queued] }

        // Meanwhile Bob writes through another instance on the same database, which Ann cannot reach.
        let other = try await startServer(in: directory.url)
        let bobAPI = APIClient(baseURL: other.baseURL, token: bob.token)
        for index in 1...4 { _ = try await bobAPI.sendMessage(groupID: group.id, text: "missed \(index)", clientID: nil) }
        try await other.stop()

        // The first server comes back on its port: Ann reconnects, catches up, and delivers.
        server = try await startServer(in: directory.url, port: port)
        let state = try await engine.waitUntil(timeout: .seconds(20)) {
            $0.connection == .connected && $0.outbox.isEmpty && $0.groups[group.id]?.messages.count == 8
        }
        let messages = try #require(state.groups[group.id]?.messages)
        #expect(messages.map(\.seq) == Array(1...8))
        #expect(messages.filter { $0.text.hasPrefix("missed") }.count == 4)
        let stored = try await annAPI.catchUp(groupID: group.id, after: 0)
        #expect(stored.filter { $0.text == "written offline" }.count == 1)
        engine.stop()
        await engineRun
        try await server.stop()
    }

    @Test("50 messages flushed from the outbox after a reconnect, then 50 typed quickly into two groups, are stored in the order written")
    func orderedSends() async throws {
        let directory = try TemporaryDirectory()
        let port = FreePort.reserve()
        var server = try await startServer(in: directory.url, port: port)
        let base = APIClient(baseURL: server.baseURL)
        let (ann, _, first) = try await base.annAndBob(in: "First")
        let annAPI = base.authenticated(ann.token)
        let second = try await annAPI.createGroup(name: "Second")
        let engine = SyncEngine(api: annAPI, me: ann.user, backoff: Backoff(base: .milliseconds(100), cap: .milliseconds(400)))
        async let engineRun: Void = engine.run()
        try await engine.waitUntil { $0.connection == .connected && $0.groups.count == 2 }

        try await server.stop()
        try await engine.waitUntil {
            if case .reconnecting = $0.connection { true } else { false }
        }
        var written: [(group: String, text: String)] = []
        for index in 0..<100 {
            if index == 50 {
                // The first 50 wait in the outbox; the server comes back and the next 50 are typed at once.
                try await engine.waitUntil { $0.outbox.count == 50 && $0.outbox.allSatisfy { $0.status == .queued } }
                server = try await startServer(in: directory.url, port: port)
                try await engine.waitUntil(timeout: .seconds(20)) { $0.connection == .connected }
            }
            let group = index % 3 == 0 ? second.id : first.id
            written.append((group, "m\(index)"))
            engine.send("m\(index)", to: group)
        }
        try await engine.waitUntil(timeout: .seconds(60)) { $0.outbox.isEmpty }

        let stored = try await annAPI.catchUp(groupID: first.id, after: 0) + annAPI.catchUp(groupID: second.id, after: 0)
        #expect(stored.map(\.text).sorted() == written.map(\.text).sorted(), "each message stored exactly once")
        // Across both groups, the server's creation times (to the millisecond) follow the order written.
        let createdAt = Dictionary(uniqueKeysWithValues: stored.map { ($0.text, $0.createdAt) })
        let times = written.compactMap { createdAt[$0.text] }
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 }, "one group's message never overtakes an earlier one of the other")
        for group in [first.id, second.id] {
            #expect(stored.filter { $0.groupId == group }.sorted { $0.seq < $1.seq }.map(\.text) == written.filter { $0.group == group }.map(\.text))
        }
        engine.stop()
        await engineRun
        try await server.stop()
    }

    @Test("after a reconnect, edits, deletions and reactions made meanwhile arrive through the change feed")
    func missedChanges() async throws {
        let directory = try TemporaryDirectory()
        let port = FreePort.reserve()
        var server = try await startServer(in: directory.url, port: port)
        let base = APIClient(baseURL: server.baseURL)
        let (ann, bob, group) = try await base.annAndBob(in: "Edits")
        let annAPI = base.authenticated(ann.token)
        var sent: [Message] = []
        for index in 1...3 { sent.append(try await base.authenticated(bob.token).sendMessage(groupID: group.id, text: "m\(index)", clientID: nil)) }

        let engine = SyncEngine(api: annAPI, me: ann.user, backoff: Backoff(base: .milliseconds(100), cap: .milliseconds(400)))
        async let engineRun: Void = engine.run()
        engine.focus(group.id)
        _ = try await engine.waitUntil { $0.connection == .connected && $0.groups[group.id]?.messages.count == 3 }
        try await server.stop()

        // While Ann is away, Bob edits, deletes, reacts twice and writes, through another instance.
        let other = try await startServer(in: directory.url)
        let bobAPI = APIClient(baseURL: other.baseURL, token: bob.token)
        let edited = try await bobAPI.editMessage(groupID: group.id, messageID: sent[0].id, text: "m1, edited")
        try await bobAPI.deleteMessage(groupID: group.id, messageID: sent[1].id)
        _ = try await bobAPI.react(groupID: group.id, messageID: sent[2].id, emoji: "👍")
        let reacted = try await bobAPI.react(groupID: group.id, messageID: sent[2].id, emoji: "🎉")
        let fourth = try await bobAPI.sendMessage(groupID: group.id, text: "m4", clientID: nil)
        try await other.stop()

        server = try await startServer(in: directory.url, port: port)
        let state = try await engine.waitUntil(timeout: .seconds(20)) {
            $0.connection == .connected && $0.groups[group.id]?.rev == fourth.rev && $0.groups[group.id]?.catchingUp == false
        }
        let messages = try #require(state.groups[group.id]?.messages)
        #expect(messages.map(\.seq) == [1, 2, 3, 4])
        #expect(messages[0] == edited)
        #expect(messages[1].deleted && messages[1].text.isEmpty)
        #expect(messages[2] == reacted)
        #expect(messages[3] == fourth)
        engine.stop()
        await engineRun
        try await server.stop()
    }

    @Test("reading a group on one device clears its unread count on another")
    func readOnAnotherDevice() async throws {
        let directory = try TemporaryDirectory()
        let server = try await startServer(in: directory.url)
        let base = APIClient(baseURL: server.baseURL)
        let (ann, bob, group) = try await base.annAndBob(in: "Devices")
        let annAPI = base.authenticated(ann.token)
        for index in 1...3 { _ = try await annAPI.sendMessage(groupID: group.id, text: "m\(index)", clientID: nil) }

        let phone = SyncEngine(api: base.authenticated(bob.token), me: bob.user)
        let laptop = SyncEngine(api: base.authenticated(bob.token), me: bob.user)
        async let phoneRun: Void = phone.run()
        async let laptopRun: Void = laptop.run()
        _ = try await phone.waitUntil { $0.connection == .connected && $0.groups[group.id]?.unread == 3 }
        _ = try await laptop.waitUntil { $0.connection == .connected && $0.groups[group.id]?.unread == 3 }
        laptop.focus(group.id)
        _ = try await laptop.waitUntil { $0.groups[group.id]?.unread == 0 && $0.groups[group.id]?.readSeq == 3 }
        // A deadline, not a speed goal: on a loaded machine the event may take more than the second it usually does not.
        _ = try await phone.waitUntil { $0.groups[group.id]?.unread == 0 }
        #expect(try await base.authenticated(bob.token).groups().first?.readSeq == 3)
        phone.stop()
        await phoneRun
        laptop.stop()
        await laptopRun
        try await server.stop()
    }

    @Test("a member removed live loses the group with the reason; one removed while offline finds it gone on reconnecting")
    func removals() async throws {
        let directory = try TemporaryDirectory()
        let port = FreePort.reserve()
        var server = try await startServer(in: directory.url, port: port)
        let base = APIClient(baseURL: server.baseURL)
        let (ann, bob, first) = try await base.annAndBob(in: "First")
        let annAPI = base.authenticated(ann.token)
        let second = try await annAPI.createGroup(name: "Second")
        _ = try await base.authenticated(bob.token).acceptInvite(try await annAPI.createInvite(groupID: second.id).token)
        let engine = SyncEngine(api: base.authenticated(bob.token), me: bob.user, backoff: Backoff(base: .milliseconds(100), cap: .milliseconds(400)))
        async let engineRun: Void = engine.run()
        _ = try await engine.waitUntil { $0.connection == .connected && $0.groups.count == 2 }
        try await annAPI.kick(groupID: first.id, userID: bob.user.id)
        var state = try await engine.waitUntil { $0.groups[first.id] == nil }
        #expect(state.departures.map(\.reason) == [.kicked])

        try await server.stop()
        _ = try await engine.waitUntil {
            if case .reconnecting = $0.connection { true } else { false }
        }
        let other = try await startServer(in: directory.url)
        try await APIClient(baseURL: other.baseURL, token: ann.token).ban(groupID: second.id, userID: bob.user.id)
        try await other.stop()
        server = try await startServer(in: directory.url, port: port)
        state = try await engine.waitUntil(timeout: .seconds(20)) { $0.connection == .connected && $0.groups.isEmpty }
        #expect(state.departures.map(\.group.id) == [first.id, second.id])
        #expect(state.departures.last?.reason == nil)
        engine.stop()
        await engineRun
        try await server.stop()
    }

    @Test("a reply goes out with the message it answers; an edit made through the API shows at once; a quote is fetched by its ref")
    func replyAndEdit() async throws {
        let directory = try TemporaryDirectory()
        let server = try await startServer(in: directory.url)
        let base = APIClient(baseURL: server.baseURL)
        let (ann, bob, group) = try await base.annAndBob(in: "Replies")
        let question = try await base.authenticated(bob.token).sendMessage(groupID: group.id, text: "coffee?", clientID: nil)
        let annAPI = base.authenticated(ann.token)
        let engine = SyncEngine(api: annAPI, me: ann.user)
        async let engineRun: Void = engine.run()
        engine.focus(group.id)
        try await engine.waitUntil { $0.connection == .connected && $0.groups[group.id]?.messages.count == 1 }
        engine.send("yes please", to: group.id, replyTo: question.id)
        let state = try await engine.waitUntil { $0.outbox.isEmpty && $0.groups[group.id]?.messages.count == 2 }
        let answer = try #require(state.groups[group.id]?.messages.last)
        #expect(answer.replyTo == MessageRef(id: question.id, seq: question.seq))
        engine.changed(try await annAPI.editMessage(groupID: group.id, messageID: answer.id, text: "yes, please"))
        try await engine.waitUntil { $0.groups[group.id]?.messages.last?.text == "yes, please" }
        #expect(engine.state.groups[group.id]?.messages.last?.editedAt != nil)
        // A quoted message is fetched by its seq and kept only if it is the one referred to.
        try await engine.loadQuote(MessageRef(id: "someone-else", seq: question.seq), in: group.id)
        try await engine.loadQuote(MessageRef(id: question.id, seq: question.seq), in: group.id)
        let quoted = try await engine.waitUntil { $0.groups[group.id]?.quoted[question.id] != nil }.groups[group.id]?.quoted
        #expect(quoted?.keys.sorted() == [question.id] && quoted?[question.id]?.text == "coffee?")
        engine.stop()
        await engineRun
        try await server.stop()
    }

    @Test("a refused token stops reconnecting and reports the session as signed out")
    func unauthorized() async throws {
        let directory = try TemporaryDirectory()
        let server = try await startServer(in: directory.url)
        let ann = try await APIClient(baseURL: server.baseURL).guest(displayName: "Ann")
        let forged = APIClient(baseURL: server.baseURL, token: ann.token + "x")
        let engine = SyncEngine(api: forged, me: ann.user)
        async let engineRun: Void = engine.run()
        _ = try await engine.waitUntil { $0.connection == .signedOut }
        engine.stop()
        await engineRun
        try await server.stop()
    }
}
