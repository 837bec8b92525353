import ChatCore
import ChatTestSupport
import Foundation
import HummingbirdTesting
import Testing

@testable import ChatServer

@Suite("Real time: message:updated, read markers and presence")
struct LifecycleRealtimeTests {
    @Test("edits, deletions and reactions reach every member as message:updated, each with the next rev")
    func updates() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let (annSocket, ready) = try await WebSocketProbe.connect(port: port, token: ann.token)
            let (bobSocket, _) = try await WebSocketProbe.connect(port: port, token: bob.token)
            #expect(ready.groups.map(\.rev) == [1], "Bob's join")
            try bobSocket.send(.messageSend(groupId: group.id, text: "first", clientId: "b1"))
            let first = try await annSocket.inbox.first { $0.message }
            let edited = try await api.edit(bob.token, group: group.id, message: first.id, text: "first!").decoded(Message.self)
            let reacted = try await api.react(ann.token, group: group.id, message: first.id, emoji: "🎉").decoded(Message.self)
            #expect(try await api.delete(ann.token, group: group.id, message: first.id).status == .noContent)
            for socket in [annSocket, bobSocket] {
                var updates: [Message] = []
                while updates.count < 3 { updates.append(try await socket.inbox.first { $0.updated }) }
                #expect(updates[0] == edited)
                #expect(updates[1] == reacted)
                #expect(updates[2].deleted && updates[2].text.isEmpty && updates[2].reactions.isEmpty)
                #expect(updates.map(\.rev) == [3, 4, 5])
            }
            // A reply over the socket.
            try bobSocket.send(.messageSend(groupId: group.id, text: "re", clientId: "b2", replyTo: first.id))
            #expect(try await bobSocket.inbox.first { $0.ack }.message.replyTo == MessageRef(id: first.id, seq: 1))
            await annSocket.close()
            await bobSocket.close()
        }
    }

    @Test("moving the read marker, by REST or by the socket's read event, reaches the user's other connections")
    func readMarkers() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            for index in 1...3 { _ = try await api.send(ann.token, group: group.id, text: "m\(index)") }
            let (phone, ready) = try await WebSocketProbe.connect(port: port, token: bob.token)
            #expect(ready.groups.first.map { ($0.lastSeq, $0.rev, $0.readSeq, $0.unreadCount) } ?? (0, 0, 0, 0) == (3, 4, 0, 3))
            let (laptop, _) = try await WebSocketProbe.connect(port: port, token: bob.token)
            let (annSocket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            #expect(try await api.markRead(bob.token, group: group.id, seq: 2).status == .noContent)
            for socket in [phone, laptop] {
                #expect(try await socket.inbox.first { $0.readMarker } == .init(groupId: group.id, seq: 2))
            }
            try phone.send(.read(groupId: group.id, seq: 3))
            #expect(try await laptop.inbox.first { $0.readMarker } == .init(groupId: group.id, seq: 3))
            try phone.send(.read(groupId: group.id, seq: 9))
            #expect(try await phone.inbox.first { $0.eventError }.code == "seq_out_of_range")
            #expect(try await api.groups(bob.token).first?.unreadCount == 0)
            let eve = try await api.guest("Eve")
            let (eveSocket, _) = try await WebSocketProbe.connect(port: port, token: eve.token)
            try eveSocket.send(.read(groupId: group.id, seq: 1))
            #expect(try await eveSocket.inbox.first { $0.eventError }.code == "group_not_found")
            await eveSocket.close()
            // Ann is told nothing of Bob's marker: her next event is this message.
            let sent = try await api.send(bob.token, group: group.id, text: "read it")
            #expect(try await annSocket.inbox.first { $0.presence == nil ? $0 : nil }.message == sent)
            for socket in [phone, laptop, annSocket] { await socket.close() }
        }
    }

    @Test("co-members see a user come online, and go offline once the grace period after their last socket has passed")
    func presence() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let eve = try await api.guest("Eve")
            let (annSocket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            let (eveSocket, _) = try await WebSocketProbe.connect(port: port, token: eve.token)
            let (bobSocket, _) = try await WebSocketProbe.connect(port: port, token: bob.token)
            let connectedAt = api.clock.now
            let online = try await annSocket.inbox.first { $0.presence }
            #expect(online == .init(userId: bob.user.id, status: .online, lastSeenAt: connectedAt))
            let members = try await api.call(.get, "/groups/\(group.id)/members", token: ann.token).decoded(MemberPage.self)
            #expect(members.members.first { $0.user.id == bob.user.id }?.presence == Presence(status: .online, lastSeenAt: connectedAt))
            await bobSocket.close()
            // Time passes on the server's clock until the grace period has passed since the close was noticed.
            var offline: ServerEvent.PresenceChange?
            for _ in 0..<5 where offline == nil {
                api.clock.advance(by: 11)
                offline = try? await annSocket.inbox.first(timeout: .seconds(3)) { $0.presence }
            }
            let change = try #require(offline)
            #expect(change.userId == bob.user.id && change.status == .offline)
            #expect(try #require(change.lastSeenAt) <= api.clock.now.addingTimeInterval(-10))
            // Eve shares no group with Bob: she heard nothing of him; her next event is her own group's.
            let eveGroup = try await api.createGroup(eve.token, name: "Eve's")
            #expect(try await eveSocket.inbox.next().memberJoined?.groupId == eveGroup.id)
            await annSocket.close()
            await eveSocket.close()
        }
    }
}
