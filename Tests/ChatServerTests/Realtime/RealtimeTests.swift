import ChatCore
import ChatTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import SQLiteNIO
import Testing

@testable import ChatServer

@Suite("Real time over /ws")
struct RealtimeTests {
    @Test("a connection authenticates by header or ?token= and starts with ready")
    func ready() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            _ = try await api.send(ann.token, group: group.id, text: "one")
            let (byHeader, ready) = try await WebSocketProbe.connect(port: port, token: ann.token)
            #expect(ready.user == ann.user)
            #expect(ready.groups == [.init(id: group.id, lastSeq: 1, rev: 1, readSeq: 0, unreadCount: 0)])
            let (byQuery, again) = try await WebSocketProbe.connect(port: port, token: ann.token, inQuery: true)
            #expect(again == ready)
            await byHeader.close()
            await byQuery.close()
        }
    }

    @Test("a missing or bad token gets HTTP 401 before any upgrade")
    func unauthorized() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            for request in [
                RawHTTP.upgradeRequest("/ws"), RawHTTP.upgradeRequest("/ws?token=forged.token.value"),
                RawHTTP.upgradeRequest("/ws", headers: ["Authorization: Bearer forged.token.value"]),
            ] {
                let answer = try await RawHTTP.exchange(port: port, request: request)
                #expect(answer.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"), "\(answer)")
                #expect(answer.contains(#"{"error":{"code":"invalid_token","#), "\(answer)")
                #expect(!answer.contains("101 Switching Protocols"))
            }
            for token in [nil, "forged.token.value"] as [String?] {
                let probe = WebSocketProbe(port: port, token: token)
                await #expect(throws: WebSocketClientError.webSocketUpgradeFailed) { try await probe.closeFrame() }
            }
            let ann = try await api.guest("Ann")
            try expectError(await api.call(.get, "/ws", token: ann.token), .badRequest, "upgrade_required")
        }
    }

    @Test("message:new reaches every connection of every member, the sender's own too")
    func fanOut() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let eve = try await api.guest("Eve")
            let (annPhone, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            let (annLaptop, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            let (bobSocket, _) = try await WebSocketProbe.connect(port: port, token: bob.token)
            let (eveSocket, _) = try await WebSocketProbe.connect(port: port, token: eve.token)
            let sent = try await api.send(ann.token, group: group.id, text: "hello all")
            for probe in [annPhone, annLaptop, bobSocket] {
                #expect(try await probe.inbox.first { $0.message } == sent)
            }
            // Eve is in no group: she sees her own new group appear, then its message, never Ann's.
            let eveGroup = try await api.createGroup(eve.token, name: "eve's")
            let created = try await eveSocket.inbox.next().memberJoined
            #expect(created == .init(groupId: eveGroup.id, user: eve.user.summary, role: .owner))
            let own = try await api.send(eve.token, group: eveGroup.id, text: "mine")
            #expect(try await eveSocket.inbox.next().message == own)
            for probe in [annPhone, annLaptop, bobSocket, eveSocket] { await probe.close() }
        }
    }

    @Test("message:send is acknowledged with its clientId and fanned out; failures come back as error events")
    func sendOverSocket() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let (annSocket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            let (bobSocket, _) = try await WebSocketProbe.connect(port: port, token: bob.token)
            try annSocket.send(.messageSend(groupId: group.id, text: "via ws", clientId: "c-1"))
            let ack = try await annSocket.inbox.first { $0.ack }
            #expect(ack.clientId == "c-1")
            #expect(ack.message.seq == 1)
            #expect(ack.message.clientId == "c-1")
            #expect(try await bobSocket.inbox.first { $0.message } == ack.message)
            // Same rules as REST: a repeat returns the original, and bad input is refused.
            try annSocket.send(.messageSend(groupId: group.id, text: "via ws", clientId: "c-1"))
            #expect(try await annSocket.inbox.first { $0.ack }.message == ack.message)
            try annSocket.send(.messageSend(groupId: group.id, text: "  ", clientId: "c-2"))
            let empty = try await annSocket.inbox.first { $0.eventError }
            #expect(empty.code == "text_empty")
            #expect(empty.clientId == "c-2")
            let other = try await api.createGroup(bob.token, name: "bob only")
            try annSocket.send(.messageSend(groupId: other.id, text: "let me in", clientId: "c-3"))
            let denied = try await annSocket.inbox.first { $0.eventError }
            #expect(denied == .init(code: "group_not_found", message: ChatError.groupNotFound.message, clientId: "c-3"))
            #expect(try await api.page(ann.token, group: group.id).messages.count == 1)
            await annSocket.close()
            await bobSocket.close()
        }
    }

    @Test("sends on one socket are queued in order without waiting for each commit, and acknowledged in that order")
    func pipelinedSends() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let (socket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            // Hold the database's write lock, so that no send can commit meanwhile.
            let blocker = try await SQLiteConnection.open(storage: .file(path: api.databasePath))
            _ = try await blocker.query("BEGIN IMMEDIATE")
            for index in 0..<10 { try socket.send(.messageSend(groupId: group.id, text: "m\(index)", clientId: "c\(index)")) }
            try socket.send(.roomJoin(groupId: group.id))
            // The reader went past the ten sends, none of them durable yet, to answer the room:join.
            while true {
                let event = try await socket.inbox.next()
                #expect(event.ack == nil && event.message == nil, "nothing is acknowledged before the commit")
                if event.roomJoined != nil { break }
            }
            _ = try await blocker.query("COMMIT")
            try await blocker.close()
            var acks: [ServerEvent.MessageAck] = []
            for _ in 0..<10 { acks.append(try await socket.inbox.first(timeout: .seconds(15)) { $0.ack }) }
            let seqByClientID = Dictionary(uniqueKeysWithValues: acks.map { ($0.clientId, $0.message.seq) })
            #expect((0..<10).map { seqByClientID["c\($0)"] } == (1...10).map { Int64($0) }, "seq follows the order of the frames")
            await socket.close()
        }
    }

    @Test("typing reaches the other members but not the typist")
    func typing() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let (annSocket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            let (bobSocket, _) = try await WebSocketProbe.connect(port: port, token: bob.token)
            try annSocket.send(.typing(groupId: group.id))
            let typing = try await bobSocket.inbox.first { $0.typing }
            #expect(typing == .init(groupId: group.id, user: ann.user.summary))
            // Had Ann received her own typing event, it would come before this message (presence aside).
            let sent = try await api.send(bob.token, group: group.id, text: "after typing")
            let next = try await annSocket.inbox.first { $0.presence == nil ? $0 : nil }
            #expect(next.message == sent)
            await annSocket.close()
            await bobSocket.close()
        }
    }

    @Test("member:joined is announced, and the joiner's open sockets follow the new group live")
    func memberJoined() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.guest("Bob")
            let (annSocket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            let (bobSocket, bobReady) = try await WebSocketProbe.connect(port: port, token: bob.token)
            #expect(bobReady.groups.isEmpty)
            let invite = try await api.invite(ann.token, group: group.id)
            #expect(try await api.accept(bob.token, invite: invite.token).status == .ok)
            // The group's first change: Bob's join takes rev 1.
            let expected = ServerEvent.MemberJoined(groupId: group.id, user: bob.user.summary, role: .member, rev: 1)
            #expect(try await annSocket.inbox.first { $0.memberJoined } == expected)
            #expect(try await bobSocket.inbox.first { $0.memberJoined } == expected)
            let sent = try await api.send(ann.token, group: group.id, text: "welcome")
            #expect(try await bobSocket.inbox.first { $0.message } == sent)
            await annSocket.close()
            await bobSocket.close()
        }
    }

    @Test("room:join confirms a member and refuses anyone else")
    func roomJoin() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let eve = try await api.guest("Eve")
            let (annSocket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            let (eveSocket, _) = try await WebSocketProbe.connect(port: port, token: eve.token)
            try annSocket.send(.roomJoin(groupId: group.id))
            #expect(try await annSocket.inbox.first { $0.roomJoined } == .init(groupId: group.id))
            try eveSocket.send(.roomJoin(groupId: group.id))
            #expect(try await eveSocket.inbox.first { $0.eventError }.code == "group_not_found")
            try eveSocket.send(.typing(groupId: group.id))
            #expect(try await eveSocket.inbox.first { $0.eventError }.code == "group_not_found")
            // Eve's attempts delivered nothing to Ann: her next event is this message.
            let sent = try await api.send(ann.token, group: group.id, text: "members only")
            #expect(try await annSocket.inbox.next().message == sent)
            await annSocket.close()
            await eveSocket.close()
        }
    }

    @Test("a malformed frame gets an error event, and the connection stays open")
    func malformed() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let (socket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            for raw in ["not json", "{}", #"{"type":"message:send","data":{"groupId":1}}"#, "[]"] {
                socket.sendRaw(raw)
                #expect(try await socket.inbox.next().eventError?.code == "invalid_frame", "\(raw)")
            }
            socket.sendRaw(#"{"type":"dance","data":{}}"#)
            #expect(try await socket.inbox.next().eventError?.code == "unknown_event")
            try socket.send(.messageSend(groupId: group.id, text: "still here", clientId: "z"))
            #expect(try await socket.inbox.first { $0.ack }.message.text == "still here")
            await socket.close()
        }
    }

    @Test("the server pings, and disconnects a peer that stops answering")
    func deadPeer() async throws {
        try await TestApp.run(.live, changing: .init { $0.webSocketPingInterval = .milliseconds(300) }) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let started = ContinuousClock.now
            // A raw socket completes the handshake, then never reads a ping nor sends a pong.
            let answer = try await RawHTTP.converse(port: port, request: RawHTTP.upgradeRequest("/ws?token=\(ann.token)"), timeout: .seconds(10))
            #expect(answer.text.hasPrefix("HTTP/1.1 101 Switching Protocols"))
            #expect(answer.text.contains("\"type\":\"ready\""))
            #expect(answer.closedByServer)
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }
}
