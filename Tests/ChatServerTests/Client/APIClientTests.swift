import ChatCore
import ChatTestSupport
import Foundation
import HummingbirdTesting
import Testing

@testable import ChatServer

@Suite("APIClient against a live server")
struct APIClientTests {
    @Test("every endpoint is a typed call")
    func endpoints() async throws {
        try await TestApp.run(.live) { api in
            let base = APIClient(baseURL: "http://127.0.0.1:\(try #require(api.client.port))/")
            #expect(try await base.health().status == "ok")
            let ann = try await base.register(email: "ann@example.org", password: "long password", displayName: "Ann")
            let annAPI = base.authenticated(ann.token)
            #expect(try await base.login(email: "ann@example.org", password: "long password").user == ann.user)
            #expect(try await annAPI.me() == ann.user)
            let group = try await annAPI.createGroup(name: "Team")
            #expect(try await annAPI.groups().map(\.id) == [group.id])
            let invite = try await annAPI.createInvite(groupID: group.id, expiresInHours: 2, uses: 3)
            #expect(try await annAPI.invites(groupID: group.id).map(\.id) == [invite.id])
            let bob = base.authenticated(try await base.guest(displayName: "Bob").token)
            #expect(try await bob.acceptInvite(invite.url).group?.id == group.id)
            #expect(try await annAPI.group(id: group.id).members.count == 2)
            let sent = try await bob.sendMessage(groupID: group.id, text: "hello", clientID: "k")
            #expect(try await annAPI.messages(groupID: group.id).messages == [sent])
            for index in 2...5 { _ = try await bob.sendMessage(groupID: group.id, text: "m\(index)", clientID: nil) }
            #expect(try await annAPI.catchUp(groupID: group.id, after: 1, pageSize: 2).map(\.seq) == [2, 3, 4, 5])
            let found = try await annAPI.search("hello -nothing", groupID: group.id)
            #expect(found.hits.map(\.message.id) == [sent.id] && found.hits[0].highlights == [TextRange(start: 0, length: 5)])
            let first = try await annAPI.search("m*", limit: 2)
            #expect(first.hits.map(\.message.seq) == [5, 4])
            #expect(try await annAPI.search("m*", cursor: first.nextCursor, limit: 2).hits.map(\.message.seq) == [3, 2])
            try await annAPI.revokeInvite(groupID: group.id, inviteID: invite.id)
            #expect(try await annAPI.invites(groupID: group.id).isEmpty)
        }
    }

    @Test("errors are decoded from the server's body, or say the server is unreachable")
    func errors() async throws {
        try await TestApp.run(.live) { api in
            let base = APIClient(baseURL: "http://127.0.0.1:\(try #require(api.client.port))")
            await #expect(throws: APIError.server(status: 401, code: "invalid_token", message: ChatError.invalidToken.message)) {
                try await base.me()
            }
            let error = await #expect(throws: APIError.self) { try await base.register(email: "x", password: "long password", displayName: "X") }
            #expect(error?.status == 400)
            #expect(error?.code == "invalid_email")
            #expect(error?.isRetryable == false)
        }
        let closed = APIClient(baseURL: "http://127.0.0.1:1", timeout: .seconds(2))
        let unreachable = await #expect(throws: APIError.self) { try await closed.health() }
        guard case .unreachable = unreachable else {
            Issue.record("expected .unreachable, got \(String(describing: unreachable))")
            return
        }
        #expect(unreachable?.isRetryable == true)
    }
}
