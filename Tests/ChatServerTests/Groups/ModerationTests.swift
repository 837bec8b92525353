import ChatCore
import ChatTestSupport
import Foundation
import HummingbirdTesting
import Testing

@testable import ChatServer

@Suite("Membership and moderation over REST")
struct ModerationTests {
    @Test("leave, kick, roles and transfer: who may, and the errors of those who may not")
    func membership() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let cat = try await api.member(of: group.id, invitedBy: ann.token, name: "Cat")
            let dan = try await api.member(of: group.id, invitedBy: ann.token, name: "Dan")
            let eve = try await api.guest("Eve")
            let members = "/groups/\(group.id)/members"
            try expectError(
                await api.call(.patch, "\(members)/\(cat.user.id)", token: bob.token, json: RoleChangeRequest(role: .admin)),
                .forbidden,
                "not_owner"
            )
            try expectError(
                await api.call(.patch, "\(members)/\(cat.user.id)", token: ann.token, raw: #"{"role":"owner"}"#),
                .badRequest,
                "invalid_role"
            )
            try expectError(
                await api.call(.patch, "\(members)/\(cat.user.id)", token: ann.token, raw: #"{"role":"king"}"#),
                .badRequest,
                "invalid_json"
            )
            #expect(
                try await api.call(.patch, "\(members)/\(bob.user.id)", token: ann.token, json: RoleChangeRequest(role: .admin)).status == .noContent
            )
            try expectError(await api.call(.delete, "\(members)/\(dan.user.id)", token: cat.token), .forbidden, "not_group_admin")
            try expectError(await api.call(.delete, "\(members)/\(ann.user.id)", token: bob.token), .forbidden, "insufficient_role")
            try expectError(await api.call(.delete, "\(members)/\(bob.user.id)", token: bob.token), .badRequest, "cannot_target_self")
            try expectError(await api.call(.delete, "\(members)/\(eve.user.id)", token: bob.token), .notFound, "member_not_found")
            try expectError(await api.call(.delete, "\(members)/\(dan.user.id)", token: eve.token), .notFound, "group_not_found")
            #expect(try await api.call(.delete, "\(members)/\(dan.user.id)", token: bob.token).status == .noContent)
            try expectError(await api.call(.get, "/groups/\(group.id)", token: dan.token), .notFound, "group_not_found")
            // Leaving, and handing over.
            let leave = "/groups/\(group.id)/leave"
            try expectError(await api.call(.post, leave, token: ann.token), .conflict, "owner_must_transfer")
            #expect(try await api.call(.post, leave, token: cat.token).status == .noContent)
            try expectError(await api.call(.post, leave, token: cat.token), .notFound, "group_not_found")
            let transfer = "/groups/\(group.id)/transfer"
            try expectError(await api.call(.post, transfer, token: bob.token, json: TransferRequest(userId: ann.user.id)), .forbidden, "not_owner")
            try expectError(
                await api.call(.post, transfer, token: ann.token, json: TransferRequest(userId: eve.user.id)),
                .notFound,
                "member_not_found"
            )
            #expect(try await api.call(.post, transfer, token: ann.token, json: TransferRequest(userId: bob.user.id)).status == .noContent)
            #expect(try await api.groups(bob.token).first?.role == .owner)
            #expect(try await api.groups(ann.token).first?.role == .admin)
            // The last member leaving takes the group along.
            #expect(try await api.call(.post, leave, token: ann.token).status == .noContent)
            #expect(try await api.call(.post, leave, token: bob.token).status == .noContent)
            try expectError(await api.call(.get, "/groups/\(group.id)/changes", token: bob.token), .notFound, "group_not_found")
            #expect(try await api.groups(bob.token).isEmpty)
        }
    }

    @Test("bans: a banned user is removed and refused by every invite until the ban is lifted")
    func bans() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let bans = "/groups/\(group.id)/bans"
            try expectError(await api.call(.post, bans, token: bob.token, json: BanRequest(userId: ann.user.id)), .forbidden, "not_group_admin")
            try expectError(
                await api.call(.post, bans, token: ann.token, json: BanRequest(userId: bob.user.id, reason: String(repeating: "r", count: 501))),
                .badRequest,
                "invalid_reason"
            )
            try expectError(await api.call(.post, bans, token: ann.token, json: BanRequest(userId: "nobody")), .notFound, "user_not_found")
            #expect(try await api.call(.post, bans, token: ann.token, json: BanRequest(userId: bob.user.id, reason: "  spam  ")).status == .noContent)
            let listed = try await api.call(.get, bans, token: ann.token).decoded([Ban].self)
            #expect(listed.map(\.user) == [bob.user.summary] && listed.first?.reason == "spam" && listed.first?.bannedBy == ann.user.summary)
            try expectError(await api.call(.get, bans, token: bob.token), .notFound, "group_not_found")
            let fresh = try await api.invite(ann.token, group: group.id)
            try expectError(await api.accept(bob.token, invite: fresh.token), .forbidden, "banned")
            #expect(try await api.call(.delete, "\(bans)/\(bob.user.id)", token: ann.token).status == .noContent)
            try expectError(await api.call(.delete, "\(bans)/\(bob.user.id)", token: ann.token), .notFound, "ban_not_found")
            #expect(try await api.accept(bob.token, invite: fresh.token).status == .ok)
        }
    }

    @Test("settings: rename and invite policy by the owner and admins; deletion by the owner only")
    func settings() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let path = "/groups/\(group.id)"
            try expectError(await api.call(.patch, path, token: bob.token, json: UpdateGroupRequest(name: "Mine")), .forbidden, "not_group_admin")
            try expectError(await api.call(.patch, path, token: ann.token, json: UpdateGroupRequest(name: "  ")), .badRequest, "invalid_group_name")
            try expectError(await api.call(.patch, path, token: ann.token, raw: #"{"invitePolicy":"nobody"}"#), .badRequest, "invalid_json")
            let updated = try await api.call(.patch, path, token: ann.token, json: UpdateGroupRequest(name: " Quiet ", invitePolicy: .admins))
                .decoded(Group.self)
            #expect(updated.name == "Quiet" && updated.invitePolicy == .admins && updated.role == .owner && updated.rev == 2)
            #expect(try await api.call(.patch, path, token: ann.token, raw: "").decoded(Group.self) == updated, "an empty body changes nothing")
            try expectError(
                await api.call(.post, "\(path)/invites", token: bob.token, json: CreateInviteRequest()),
                .forbidden,
                "invites_admins_only"
            )
            try expectError(await api.call(.delete, path, token: bob.token), .forbidden, "not_owner")
            _ = try await api.send(ann.token, group: group.id, text: "soon gone")
            #expect(try await api.call(.delete, path, token: ann.token).status == .noContent)
            try expectError(await api.call(.get, path, token: ann.token), .notFound, "group_not_found")
            let database = try await TestDatabase.open(api.databasePath)
            for table in ["messages", "memberships", "invites", "member_removals", "bans", "join_requests"] {
                #expect(try await database.scalarInt("SELECT count(*) FROM \(table) WHERE group_id = ?", [.text(group.id)]) == 0, "\(table)")
            }
            await database.close()
        }
    }

    @Test("an invite that needs approval: 202 with the request, the same one again, then approval or denial, and the audit")
    func approvals() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let gate = try await api.invite(bob.token, group: group.id, approval: true, uses: 3)
            #expect(gate.requireApproval)
            let cat = try await api.guest("Cat")
            let request = try await api.requestToJoin(cat.token, invite: gate.token)
            #expect(request.status == .pending && request.groupId == group.id && request.user == cat.user.summary)
            #expect(try await api.requestToJoin(cat.token, invite: gate.token) == request, "asking again returns the same request")
            try expectError(await api.call(.get, "/groups/\(group.id)", token: cat.token), .notFound, "group_not_found")
            let requests = "/groups/\(group.id)/requests"
            try expectError(await api.call(.get, requests, token: bob.token), .forbidden, "not_group_admin")
            #expect(try await api.call(.get, requests, token: ann.token).decoded([JoinRequest].self) == [request])
            let approved = try await api.call(.post, "\(requests)/\(request.id)/approve", token: ann.token).decoded(JoinRequestResponse.self)
            #expect(approved.request.status == .approved)
            try expectError(await api.call(.post, "\(requests)/\(request.id)/deny", token: ann.token), .conflict, "request_decided")
            try expectError(await api.call(.post, "\(requests)/nope/approve", token: ann.token), .notFound, "request_not_found")
            #expect(try await api.groups(cat.token).map(\.id) == [group.id])
            let dan = try await api.guest("Dan")
            let denied = try await api.requestToJoin(dan.token, invite: gate.token)
            #expect(
                try await api.call(.post, "\(requests)/\(denied.id)/deny", token: ann.token).decoded(JoinRequestResponse.self).request.status
                    == .denied
            )
            #expect(try await api.groups(dan.token).isEmpty)
            // The audit: who came through which invite, and how many each invite brought.
            let page = try await api.call(.get, "/groups/\(group.id)/members", token: ann.token).decoded(MemberPage.self)
            #expect(page.members.first { $0.user.id == cat.user.id }?.invite == InviteRef(id: gate.id, createdBy: bob.user.summary))
            #expect(page.members.first { $0.user.id == ann.user.id }?.invite == nil)
            let invites = try await api.call(.get, "/groups/\(group.id)/invites", token: ann.token).decoded([InviteSummary].self)
            #expect(invites.first { $0.id == gate.id }.map { ($0.joinedCount, $0.uses, $0.requireApproval) } ?? (0, 0, false) == (1, 2, true))
            // A request expires with its invite.
            let eve = try await api.guest("Eve")
            let late = try await api.requestToJoin(eve.token, invite: gate.token)
            api.clock.advance(by: 25 * 3600)
            #expect(try await api.call(.get, requests, token: ann.token).decoded([JoinRequest].self).isEmpty)
            try expectError(await api.call(.post, "\(requests)/\(late.id)/approve", token: ann.token), .gone, "request_expired")
        }
    }
}
