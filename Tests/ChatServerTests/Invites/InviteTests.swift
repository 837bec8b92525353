import ChatCore
import ChatTestSupport
import Foundation
import HummingbirdTesting
import Testing

@testable import ChatServer

@Suite("Invites: creation, limits, listing, revocation and acceptance")
struct InviteTests {
    @Test("an invite defaults to 24 hours and one use, with a 128-bit+ base64url token in PUBLIC_URL/join/")
    func defaults() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let response = try await api.call(.post, "/groups/\(group.id)/invites", token: ann.token)
            let invite = try response.decoded(Invite.self, status: .created)
            #expect(invite.maxUses == 1)
            #expect(invite.uses == 0)
            #expect(invite.groupId == group.id)
            #expect(invite.expiresAt.timeIntervalSince(invite.createdAt) == 24 * 3600)
            #expect(invite.url == "https://chat.example.org/join/\(invite.token)")
            let decoded = try #require(Base64URL.decode(invite.token))
            #expect(decoded.count * 8 >= 128)
            #expect(
                try response.jsonObject.keys.sorted() == [
                    "createdAt", "expiresAt", "groupId", "id", "maxUses", "requireApproval", "token", "url", "uses",
                ]
            )
        }
    }

    @Test("any member may invite; expiry must be in (0, 720] hours and uses in 1–1000")
    func limits() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let invite = try await api.invite(bob.token, group: group.id, hours: 720, uses: 1000)
            #expect(invite.maxUses == 1000)
            #expect(try await api.invite(bob.token, group: group.id, hours: 0.5, uses: 1).maxUses == 1)
            // The smallest positive lifetime is valid too (found by fuzzing: it used to end at creation).
            let tiny = try await api.invite(bob.token, group: group.id, hours: 2.2250738585072014e-308)
            #expect(tiny.expiresAt > tiny.createdAt)
            for hours in [0, -1, 720.5, 10_000] {
                try expectError(
                    await api.call(.post, "/groups/\(group.id)/invites", token: ann.token, json: CreateInviteRequest(expiresInHours: hours)),
                    .badRequest,
                    "invalid_expiry"
                )
            }
            for uses in [0, -3, 1001] {
                try expectError(
                    await api.call(.post, "/groups/\(group.id)/invites", token: ann.token, json: CreateInviteRequest(uses: uses)),
                    .badRequest,
                    "invalid_uses"
                )
            }
            try expectError(
                await api.call(.post, "/groups/\(group.id)/invites", token: ann.token, raw: #"{"uses":"3"}"#),
                .badRequest,
                "invalid_json"
            )
        }
    }

    @Test("only a hash of the token is stored")
    func tokenHashed() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let invite = try await api.invite(ann.token, group: group.id)
            let database = try await TestDatabase.open(api.databasePath)
            let rows = try await database.rows("SELECT * FROM invites")
            await database.close()
            #expect(rows.count == 1)
            for column in try #require(rows.first).columns {
                #expect(column.data.string?.contains(invite.token) != true, "column \(column.name) holds the token")
            }
            let raw = try Data(contentsOf: URL(fileURLWithPath: api.databasePath + "-wal")) + Data(contentsOf: URL(fileURLWithPath: api.databasePath))
            #expect(raw.range(of: Data(invite.token.utf8)) == nil)
        }
    }

    @Test("owners and admins list the live invites without tokens; members get 403")
    func listing() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let live = try await api.invite(ann.token, group: group.id, hours: 48, uses: 3)
            _ = try await api.invite(ann.token, group: group.id, hours: 1)
            api.clock.advance(by: 2 * 3600)
            let response = try await api.call(.get, "/groups/\(group.id)/invites", token: ann.token)
            let invites = try response.decoded([InviteSummary].self)
            #expect(invites.map(\.id) == [live.id])
            #expect(invites.first?.createdBy.displayName == "Ann")
            #expect(!String(buffer: response.body).contains("token"))
            #expect(!String(buffer: response.body).contains(live.token))
            try expectError(await api.call(.get, "/groups/\(group.id)/invites", token: bob.token), .forbidden, "not_group_admin")
            try expectError(await api.call(.delete, "/groups/\(group.id)/invites/\(live.id)", token: bob.token), .forbidden, "not_group_admin")
        }
    }

    @Test("a revoked or unknown token gets 404")
    func revoked() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let invite = try await api.invite(ann.token, group: group.id, uses: 5)
            #expect(try await api.call(.delete, "/groups/\(group.id)/invites/\(invite.id)", token: ann.token).status == .noContent)
            let bob = try await api.guest("Bob")
            try expectError(await api.accept(bob.token, invite: invite.token), .notFound, "invite_not_found")
            try expectError(await api.accept(bob.token, invite: "bm90LWEtcmVhbC10b2tlbg"), .notFound, "invite_not_found")
            try expectError(await api.call(.delete, "/groups/\(group.id)/invites/\(UUIDv7.make())", token: ann.token), .notFound, "invite_not_found")
            #expect(try await api.call(.get, "/groups/\(group.id)/invites", token: ann.token).decoded([InviteSummary].self).isEmpty)
        }
    }

    @Test("an expired or used-up token gets 410")
    func gone() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let single = try await api.invite(ann.token, group: group.id)
            let bob = try await api.guest("Bob")
            let joined = try await api.accept(bob.token, invite: single.token).decoded(AcceptInviteResponse.self)
            #expect(joined.group?.id == group.id)
            #expect(joined.group?.role == .member)
            #expect(joined.group?.memberCount == 2)
            #expect(joined.request == nil)
            let carol = try await api.guest("Carol")
            try expectError(await api.accept(carol.token, invite: single.token), .gone, "invite_used_up")

            let shortLived = try await api.invite(ann.token, group: group.id, hours: 1, uses: 10)
            api.clock.advance(by: 3601)
            try expectError(await api.accept(carol.token, invite: shortLived.token), .gone, "invite_expired")
        }
    }

    @Test("a member who accepts again gets 200 and consumes no use")
    func alreadyMember() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let invite = try await api.invite(ann.token, group: group.id, uses: 2)
            let owner = try await api.accept(ann.token, invite: invite.token).decoded(AcceptInviteResponse.self)
            #expect(owner.group?.role == .owner)
            let bob = try await api.guest("Bob")
            #expect(try await api.accept(bob.token, invite: invite.token).status == .ok)
            #expect(try await api.accept(bob.token, invite: invite.token).status == .ok)
            let listed = try await api.call(.get, "/groups/\(group.id)/invites", token: ann.token).decoded([InviteSummary].self)
            #expect(listed.first?.uses == 1)
        }
    }

    @Test("30 simultaneous accepts of a 5-use invite give exactly 5 new members")
    func race() async throws {
        try await TestApp.run(.live) { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let invite = try await api.invite(ann.token, group: group.id, uses: 5)
            var guests: [AuthResponse] = []
            for index in 0..<30 { guests.append(try await api.guest("G\(index)")) }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { tasks in
                for guest in guests {
                    tasks.addTask { try await api.accept(guest.token, invite: invite.token).status.code }
                }
                return try await tasks.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 5)
            #expect(statuses.filter { $0 == 410 }.count == 25)
            let detail = try await api.call(.get, "/groups/\(group.id)", token: ann.token).decoded(GroupDetail.self)
            #expect(detail.group.memberCount == 6)
            #expect(detail.members.count == 6)
        }
    }

    @Test("a token can be given bare or as its invite URL")
    func extraction() {
        #expect(InviteLink.token(from: "abc_DEF-123") == "abc_DEF-123")
        #expect(InviteLink.token(from: " https://chat.example.org/join/abc_DEF-123\n") == "abc_DEF-123")
        #expect(InviteLink.token(from: "http://h:4000/join/tok?x=1") == "tok")
        #expect(InviteToken.generate() != InviteToken.generate())
        #expect(InviteToken.generate().value.count == 32)
    }
}
