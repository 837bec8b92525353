import ChatCore
import ChatTestSupport
import Foundation
import HummingbirdTesting
import Testing

@testable import ChatServer

extension ServerEvent {
    var memberRemoved: MemberRemoved? { if case .memberRemoved(let removed) = self { removed } else { nil } }
    var memberUpdated: MemberUpdated? { if case .memberUpdated(let updated) = self { updated } else { nil } }
    var groupUpdated: GroupUpdated? { if case .groupUpdated(let updated) = self { updated } else { nil } }
    var joinRequested: JoinRequested? { if case .joinRequested(let requested) = self { requested } else { nil } }
    var joinDenied: JoinDenied? { if case .joinDenied(let denied) = self { denied } else { nil } }
    /// Whether the event belongs to the group (presence and errors do not).
    func concerns(_ groupID: String) -> Bool {
        switch self {
        case .messageNew(let message), .messageUpdated(let message): message.groupId == groupID
        case .memberJoined(let joined): joined.groupId == groupID
        case .memberRemoved(let removed): removed.groupId == groupID
        case .memberUpdated(let updated): updated.groupId == groupID
        case .groupUpdated(let updated): updated.group.id == groupID
        case .typing(let typing): typing.groupId == groupID
        case .read(let read): read.groupId == groupID
        default: false
        }
    }
}

@Suite("Real time: removals, roles, settings and join requests")
struct ModerationRealtimeTests {
    @Test("a kicked member hears member:removed on every socket, then nothing more of the group; the others hear it too")
    func kicked() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let other = try await api.createGroup(ann.token, name: "Other")
            _ = try await api.accept(bob.token, invite: try await api.invite(ann.token, group: other.id).token)
            let (annSocket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            let (bobPhone, _) = try await WebSocketProbe.connect(port: port, token: bob.token)
            let (bobLaptop, _) = try await WebSocketProbe.connect(port: port, token: bob.token)
            #expect(try await api.call(.delete, "/groups/\(group.id)/members/\(bob.user.id)", token: ann.token).status == .noContent)
            for socket in [annSocket, bobPhone, bobLaptop] {
                let removed = try await socket.inbox.first { $0.memberRemoved }
                #expect(removed.groupId == group.id && removed.userId == bob.user.id && removed.reason == .kicked && removed.rev == 2)
            }
            // Ann writes in the group, then in another group of Bob's: Bob's next event is the second.
            _ = try await api.send(ann.token, group: group.id, text: "after the kick")
            try annSocket.send(.typing(groupId: group.id))
            let sentinel = try await api.send(ann.token, group: other.id, text: "sentinel")
            for socket in [bobPhone, bobLaptop] {
                let next = try await socket.inbox.first { $0.concerns(group.id) || $0.concerns(other.id) ? $0 : nil }
                #expect(next.message == sentinel, "nothing of the group after the kick, got \(next)")
            }
            try bobPhone.send(.roomJoin(groupId: group.id))
            #expect(try await bobPhone.inbox.first { $0.eventError }.code == "group_not_found")
            for socket in [annSocket, bobPhone, bobLaptop] { await socket.close() }
        }
    }

    @Test("roles and settings reach the members as member:updated and group:updated, with their revs")
    func updates() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let (bobSocket, _) = try await WebSocketProbe.connect(port: port, token: bob.token)
            _ = try await api.call(.patch, "/groups/\(group.id)/members/\(bob.user.id)", token: ann.token, json: RoleChangeRequest(role: .admin))
            #expect(try await bobSocket.inbox.first { $0.memberUpdated } == .init(groupId: group.id, userId: bob.user.id, role: .admin, rev: 2))
            _ = try await api.call(.patch, "/groups/\(group.id)", token: bob.token, json: UpdateGroupRequest(name: "Renamed"))
            let updated = try await bobSocket.inbox.first { $0.groupUpdated }
            #expect(updated.group.name == "Renamed" && updated.group.memberCount == 2 && updated.rev == 3)
            _ = try await api.call(.post, "/groups/\(group.id)/transfer", token: ann.token, json: TransferRequest(userId: bob.user.id))
            var roles: [ServerEvent.MemberUpdated] = []
            while roles.count < 2 { roles.append(try await bobSocket.inbox.first { $0.memberUpdated }) }
            #expect(roles.map(\.userId) == [ann.user.id, bob.user.id] && roles.map(\.role) == [.admin, .owner] && roles.map(\.rev) == [4, 5])
            await bobSocket.close()
        }
    }

    @Test("join requests reach the owner and admins only; the requester hears member:joined or join:denied")
    func joinRequests() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let gate = try await api.invite(ann.token, group: group.id, approval: true)
            let (annSocket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            let (bobSocket, _) = try await WebSocketProbe.connect(port: port, token: bob.token)
            let cat = try await api.guest("Cat")
            let dan = try await api.guest("Dan")
            let (catSocket, _) = try await WebSocketProbe.connect(port: port, token: cat.token)
            let (danSocket, _) = try await WebSocketProbe.connect(port: port, token: dan.token)
            let catRequest = try await api.requestToJoin(cat.token, invite: gate.token)
            #expect(try await annSocket.inbox.first { $0.joinRequested } == .init(groupId: group.id, request: catRequest))
            _ = try await api.call(.post, "/groups/\(group.id)/requests/\(catRequest.id)/approve", token: ann.token)
            let joined = try await catSocket.inbox.first { $0.memberJoined }
            #expect(joined.groupId == group.id && joined.user == cat.user.summary && joined.role == .member)
            // Cat now follows the group live.
            let welcome = try await api.send(ann.token, group: group.id, text: "welcome")
            #expect(try await catSocket.inbox.first { $0.message } == welcome)
            // Bob, a plain member, heard of Cat's join but never of her request.
            let bobsView = try await bobSocket.inbox.first { $0.memberJoined ?? nil }
            #expect(bobsView.user == cat.user.summary)
            let danRequest = try await api.requestToJoin(dan.token, invite: gate.token)
            _ = try await api.call(.post, "/groups/\(group.id)/requests/\(danRequest.id)/deny", token: ann.token)
            #expect(try await danSocket.inbox.first { $0.joinDenied } == .init(groupId: group.id, requestId: danRequest.id))
            let after = try await api.send(ann.token, group: group.id, text: "members only")
            // A join:requested would come before these two messages.
            for expected in [welcome, after] {
                let next = try await bobSocket.inbox.first { event in event.joinRequested != nil || event.message != nil ? event : nil }
                #expect(next.message == expected)
            }
            for socket in [annSocket, bobSocket, catSocket, danSocket] { await socket.close() }
        }
    }

    @Test("deleting a group tells every member, each as themselves, and nothing of it follows")
    func deleted() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let (annSocket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            let (bobSocket, _) = try await WebSocketProbe.connect(port: port, token: bob.token)
            #expect(try await api.call(.delete, "/groups/\(group.id)", token: ann.token).status == .noContent)
            for (socket, user) in [(annSocket, ann), (bobSocket, bob)] {
                let removed = try await socket.inbox.first { $0.memberRemoved }
                #expect(removed == .init(groupId: group.id, userId: user.user.id, reason: .groupDeleted, rev: 0))
            }
            for socket in [annSocket, bobSocket] { await socket.close() }
        }
    }
}
