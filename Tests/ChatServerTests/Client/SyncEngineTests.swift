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
        let ann = try await base.guest(displayName: "Ann")
        let bob = try await base.guest(displayName: "Bob")
        let group = try await base.authenticated(ann.token).createGroup(name: "Live")
        let invite = try await base.authenticated(ann.token).createInvite(groupID: group.id)
        _ = try await base.authenticated(bob.token).acceptInvite(invite.token)

        let annEngine = SyncEngine(api: base.authenticated(ann.token), me: ann.user)
        let bobEngine = SyncEngine(api: base.authenticated(bob.token), me: bob.user)
        await annEngine.start()
        await bobEngine.start()
        await annEngine.focus(group.id)
        _ = try await bobEngine.waitUntil { $0.connection == .connected }
        _ = try await annEngine.waitUntil { $0.connection == .connected && $0.groups[group.id]?.loaded == true }

        for index in 1...5 {
            await annEngine.send("ann \(index)", to: group.id)
            await bobEngine.send("bob \(index)", to: group.id)
        }
        let annState = try await annEngine.waitUntil { $0.groups[group.id]?.messages.count == 10 && $0.outbox.isEmpty }
        #expect(annState.groups[group.id]?.messages.map(\.seq) == Array(1...10))
        // Bob has not opened the group: Ann's five messages are unread, his own are not.
        _ = try await bobEngine.waitUntil { $0.outbox.isEmpty && $0.groups[group.id]?.unread == 5 }
        await bobEngine.focus(group.id)
        let bobState = try await bobEngine.waitUntil { $0.groups[group.id]?.messages.count == 10 }
        #expect(bobState.groups[group.id]?.messages.map(\.seq) == Array(1...10))
        #expect(bobState.groups[group.id]?.unread == 0)
        await annEngine.stop()
        await bobEngine.stop()
        try await server.stop()
    }

    @Test("after a server restart the client reconnects, catches up what it missed, and sends its outbox exactly once")
    func reconnect() async throws {
        let directory = try TemporaryDirectory()
        // Restarted on the same port later: a port no other test's server can be given meanwhile.
        let port = FreePort.reserve()
        var server = try await startServer(in: directory.url, port: port)
        let base = APIClient(baseURL: server.baseURL)
        let ann = try await base.guest(displayName: "Ann")
        let bob = try await base.guest(displayName: "Bob")
        let annAPI = base.authenticated(ann.token)
        let group = try await annAPI.createGroup(name: "Flaky")
        _ = try await base.authenticated(bob.token).acceptInvite(try await annAPI.createInvite(groupID: group.id).token)
        for index in 1...3 { _ = try await annAPI.sendMessage(groupID: group.id, text: "before \(index)", clientID: nil) }

        let engine = SyncEngine(api: annAPI, me: ann.user, backoff: Backoff(base: .milliseconds(100), cap: .milliseconds(400)))
        await engine.start()
        await engine.focus(group.id)
        _ = try await engine.waitUntil { $0.connection == .connected && $0.groups[group.id]?.messages.count == 3 }

        // The server goes away. Ann writes while it is gone: the message waits in the outbox.
        try await server.stop()
        _ = try await engine.waitUntil {
            if case .reconnecting = $0.connection { true } else { false }
        }
        await engine.send("written offline", to: group.id)
        #expect(await engine.state.outbox.map(\.status) == [.queued])

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
        await engine.stop()
        try await server.stop()
    }

    @Test("a refused token stops reconnecting and reports the session as signed out")
    func unauthorized() async throws {
        let directory = try TemporaryDirectory()
        let server = try await startServer(in: directory.url)
        let ann = try await APIClient(baseURL: server.baseURL).guest(displayName: "Ann")
        let forged = APIClient(baseURL: server.baseURL, token: ann.token + "x")
        let engine = SyncEngine(api: forged, me: ann.user)
        await engine.start()
        _ = try await engine.waitUntil { $0.connection == .signedOut }
        try await server.stop()
    }
}
