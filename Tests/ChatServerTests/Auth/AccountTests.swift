import ChatCore
import ChatTestSupport
import Foundation
import HummingbirdTesting
import HummingbirdWSClient
import Testing

@testable import ChatServer

@Suite("Accounts: deletion, password changes and signing out everywhere")
struct AccountTests {
    static let password = "correct horse battery"

    @Test("DELETE /me: the password is required and checked; then every token gets 401, sockets close, the group passes on")
    func deleteEmailAccount() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.register("ann@example.org", name: "Ann")
            let group = try await api.createGroup(ann.token, name: "Plans")
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let sent = try await api.send(ann.token, group: group.id, text: "the secret plan")
            let again = try await api.call(.post, "/auth/login", json: LoginRequest(email: "ann@example.org", password: Self.password))
                .decoded(AuthResponse.self)
            let (annSocket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            let (bobSocket, _) = try await WebSocketProbe.connect(port: port, token: bob.token)

            try expectError(await api.call(.delete, "/me", token: ann.token), .badRequest, "password_required")
            try expectError(
                await api.call(.delete, "/me", token: ann.token, json: DeleteAccountRequest(password: "wrong")),
                .forbidden,
                "wrong_password"
            )
            #expect(try await api.call(.get, "/me", token: ann.token).status == .ok)
            let deleted = try await api.call(.delete, "/me", token: ann.token, json: DeleteAccountRequest(password: Self.password))
            #expect(deleted.status == .noContent)

            // Her open socket hears why, then closes with 4001; every token of hers is refused, and so is her password.
            #expect(try await annSocket.inbox.first { $0.eventError }.code == "session_ended")
            #expect(try await annSocket.closeFrame()?.closeCode == .unknown(4001))
            for token in [ann.token, again.token] { try expectError(await api.call(.get, "/me", token: token), .unauthorized, "invalid_token") }
            try expectError(
                await api.call(.post, "/auth/login", json: LoginRequest(email: "ann@example.org", password: Self.password)),
                .unauthorized,
                "invalid_credentials"
            )
            try expectError(await api.call(.delete, "/me", token: ann.token), .unauthorized, "invalid_token")
            // A new socket with her token is refused at the upgrade.
            let upgrade = try await RawHTTP.exchange(port: port, request: RawHTTP.upgradeRequest("/ws?token=\(ann.token)"))
            #expect(upgrade.hasPrefix("HTTP/1.1 401"))

            // Bob hears the tombstone, her leaving and his promotion; the history and search agree.
            let tombstone = try await bobSocket.inbox.first { $0.updated }
            #expect(tombstone.id == sent.id && tombstone.deleted && tombstone.text.isEmpty)
            #expect(try await bobSocket.inbox.first { $0.memberRemoved }.userId == ann.user.id)
            #expect(try await bobSocket.inbox.first { $0.memberUpdated }.role == .owner)
            let detail = try await api.call(.get, "/groups/\(group.id)", token: bob.token).decoded(GroupDetail.self)
            #expect(detail.members.map(\.user.id) == [bob.user.id] && detail.members.first?.role == .owner)
            let history = try await api.page(bob.token, group: group.id)
            #expect(history.messages.map(\.sender.displayName) == [User.deletedName] && history.messages.allSatisfy(\.deleted))
            let found = try await api.call(.get, "/search?q=secret", token: bob.token).decoded(SearchPage.self)
            #expect(found.hits.isEmpty)
            // The email can be used again.
            _ = try await api.register("ann@example.org", name: "Ann again")
            await bobSocket.close()
        }
    }

    @Test("DELETE /me for a guest needs no body; a group left with no one is deleted")
    func deleteGuest() async throws {
        try await TestApp.run { api in
            let guest = try await api.guest("Gus")
            let group = try await api.createGroup(guest.token, name: "Alone")
            _ = try await api.send(guest.token, group: group.id, text: "echo")
            #expect(try await api.call(.delete, "/me", token: guest.token).status == .noContent)
            try expectError(await api.call(.get, "/me", token: guest.token), .unauthorized, "invalid_token")
            let other = try await api.guest("Other")
            try expectError(await api.call(.get, "/groups/\(group.id)", token: other.token), .notFound, "group_not_found")
        }
    }

    @Test("POST /me/password: old password checked, new one validated; every other token ends, the answer holds a new one")
    func changePassword() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.register("ann@example.org", name: "Ann")
            let phone = try await api.call(.post, "/auth/login", json: LoginRequest(email: "ann@example.org", password: Self.password))
                .decoded(AuthResponse.self)
            let (phoneSocket, _) = try await WebSocketProbe.connect(port: port, token: phone.token)

            let wrong = ChangePasswordRequest(currentPassword: "nope", newPassword: "a brand new passphrase")
            try expectError(await api.call(.post, "/me/password", token: ann.token, json: wrong), .forbidden, "wrong_password")
            let weak = ChangePasswordRequest(currentPassword: Self.password, newPassword: "short")
            #expect(try await api.call(.post, "/me/password", token: ann.token, json: weak).status == .badRequest)
            let guest = try await api.guest("Gus")
            let forGuest = ChangePasswordRequest(currentPassword: "", newPassword: "a brand new passphrase")
            try expectError(await api.call(.post, "/me/password", token: guest.token, json: forGuest), .forbidden, "guest_account")
            // Nothing has ended yet.
            #expect(try await api.call(.get, "/me", token: phone.token).status == .ok)

            let change = ChangePasswordRequest(currentPassword: Self.password, newPassword: "a brand new passphrase")
            let renewed = try await api.call(.post, "/me/password", token: ann.token, json: change).decoded(AuthResponse.self)
            #expect(renewed.user.id == ann.user.id)
            #expect(try await phoneSocket.closeFrame()?.closeCode == .unknown(4001))
            for token in [ann.token, phone.token] { try expectError(await api.call(.get, "/me", token: token), .unauthorized, "invalid_token") }
            #expect(try await api.call(.get, "/me", token: renewed.token).status == .ok)
            let (socket, _) = try await WebSocketProbe.connect(port: port, token: renewed.token)
            await socket.close()
            try expectError(
                await api.call(.post, "/auth/login", json: LoginRequest(email: "ann@example.org", password: Self.password)),
                .unauthorized,
                "invalid_credentials"
            )
            let login = LoginRequest(email: "ann@example.org", password: "a brand new passphrase")
            let fresh = try await api.call(.post, "/auth/login", json: login).decoded(AuthResponse.self)
            #expect(try await api.call(.get, "/me", token: fresh.token).status == .ok)
        }
    }

    @Test("POST /auth/logout-all ends every token, the caller's too, and tokens issued from before versions")
    func logoutAll() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.register("ann@example.org", name: "Ann")
            // A token as chat-server issued them before versions existed: no `ver`, taken as version 0.
            let now = api.clock.now.timeIntervalSince1970
            let legacy = try TokenTests.forge(
                header: ["alg": "HS256", "typ": "JWT"],
                claims: ["sub": ann.user.id, "iat": now, "exp": now + 3600],
                secret: TestApp.secret
            )
            #expect(try await api.call(.get, "/me", token: legacy).status == .ok)
            let (socket, _) = try await WebSocketProbe.connect(port: port, token: legacy)

            #expect(try await api.call(.post, "/auth/logout-all", token: ann.token).status == .noContent)
            #expect(try await socket.closeFrame()?.closeCode == .unknown(4001))
            for token in [ann.token, legacy] { try expectError(await api.call(.get, "/me", token: token), .unauthorized, "invalid_token") }
            try expectError(await api.call(.post, "/auth/logout-all", token: ann.token), .unauthorized, "invalid_token")
            let login = LoginRequest(email: "ann@example.org", password: Self.password)
            let fresh = try await api.call(.post, "/auth/login", json: login).decoded(AuthResponse.self)
            #expect(try TokenTests.part(fresh.token, 1)["ver"] as? Int == 1)
            #expect(try await api.call(.get, "/me", token: fresh.token).status == .ok)
        }
    }
}
