import ChatCore
import ChatTestSupport
import Foundation
import Testing

@testable import ChatServer

/// Membership and moderation, as every backend must store them.
enum ModerationContract {
    static let t0 = RepositoryContract.t0

    /// An invite of `creator`'s in the group, with its token's hash.
    static func invite(
        _ repository: any ChatRepository,
        _ group: Group,
        by creator: User,
        uses: Int = 5,
        approval: Bool = false,
        lifetime: TimeInterval = 3600
    ) async throws -> (id: String, hash: [UInt8]) {
        let hash = InviteToken.generate().hash
        let id = UUIDv7.make()
        try await repository.insertInvite(
            NewInvite(
                id: id,
                tokenHash: hash,
                groupID: group.id,
                createdBy: creator.id,
                createdAt: t0,
                expiresAt: t0.addingTimeInterval(lifetime),
                maxUses: uses,
                requireApproval: approval
            )
        )
        return (id, hash)
    }

    /// Who may remove whom, and what leaving does.
    static func removals(_ repository: any ChatRepository, _ sink: RecordingSink) async throws {
        let users = ["Ann", "Bob", "Cat", "Dan", "Eve"].map { RepositoryContract.user($0) }
        let (ann, bob, cat, dan, eve) = (users[0], users[1], users[2], users[3], users[4])
        let group = try await RepositoryContract.group(repository, name: "Mods", owner: ann, others: [bob, cat, dan])
        try await repository.insertUser(eve, passwordHash: nil)
        func change(_ change: ModerationChange, by actor: User) async throws {
            _ = try await repository.moderate(change, in: group.id, by: actor.id, at: t0)
        }

        try await change(.setRole(userID: bob.id, role: .admin), by: ann)
        await #expect(throws: ChatError.notOwner) { try await change(.setRole(userID: cat.id, role: .admin), by: bob) }
        await #expect(throws: ChatError.invalidRole) { try await change(.setRole(userID: cat.id, role: .owner), by: ann) }
        await #expect(throws: ChatError.cannotTargetSelf) { try await change(.kick(userID: bob.id), by: bob) }
        await #expect(throws: ChatError.notGroupAdmin) { try await change(.kick(userID: dan.id), by: cat) }
        await #expect(throws: ChatError.insufficientRole) { try await change(.kick(userID: ann.id), by: bob) }
        await #expect(throws: ChatError.memberNotFound) { try await change(.kick(userID: eve.id), by: bob) }
        await #expect(throws: ChatError.groupNotFound) { try await change(.kick(userID: dan.id), by: eve) }
        try await change(.kick(userID: cat.id), by: bob)
        #expect(try await repository.role(of: cat.id, in: group.id) == nil)
        // An admin cannot remove another admin; the owner can.
        try await change(.setRole(userID: dan.id, role: .admin), by: ann)
        await #expect(throws: ChatError.insufficientRole) { try await change(.kick(userID: dan.id), by: bob) }
        try await change(.kick(userID: dan.id), by: ann)
        // Leaving: a member goes; the owner must hand over first; the last member takes the group along.
        await #expect(throws: ChatError.ownerMustTransfer) { try await change(.leave, by: ann) }
        try await change(.transfer(userID: bob.id), by: ann)
        #expect(try await repository.role(of: bob.id, in: group.id) == .owner)
        #expect(try await repository.role(of: ann.id, in: group.id) == .admin)
        await #expect(throws: ChatError.notOwner) { try await change(.transfer(userID: bob.id), by: ann) }
        _ = try await RepositoryContract.appendAndReturn(repository, group, ann, "bye")
        try await change(.leave, by: ann)
        #expect(try await repository.moderate(.leave, in: group.id, by: bob.id, at: t0) == .groupDeleted)
        #expect(try await repository.group(id: group.id, as: bob.id) == nil)
        #expect(try await repository.messages(in: group.id, after: 0, limit: 10).isEmpty, "everything in it is erased")
        await #expect(throws: ChatError.groupNotFound) { _ = try await repository.changes(in: group.id, since: 0, limit: 10) }

        // Every membership change took the group's next rev and was announced: joins (3), roles (1, 1),
        // kicks (2), a transfer (2), a message (1), a leave (1); then the deletion.
        let events = sink.recorded.filter { $0.groupID == group.id }
        #expect(events.compactMap(\.rev) == Array(1...11))
        #expect(events.last == .groupDeleted(groupID: group.id))
        #expect(events.contains(.memberRemoved(groupID: group.id, userID: cat.id, reason: .kicked, rev: 5)))
        #expect(events.contains(.memberUpdated(groupID: group.id, userID: ann.id, role: .admin, rev: 8)))
        #expect(events.contains(.memberUpdated(groupID: group.id, userID: bob.id, role: .owner, rev: 9)))
    }

    /// Bans: removal, refusal at every invite, the list, lifting, and the settings and invite policy.
    static func bansAndSettings(_ repository: any ChatRepository, _ sink: RecordingSink) async throws {
        let users = ["Ann", "Bob", "Cat", "Dan"].map { RepositoryContract.user($0) }
        let (ann, bob, cat, dan) = (users[0], users[1], users[2], users[3])
        let group = try await RepositoryContract.group(repository, name: "Bans", owner: ann, others: [bob, cat])
        try await repository.insertUser(dan, passwordHash: nil)
        func change(_ change: ModerationChange, by actor: User) async throws -> ModerationOutcome {
            try await repository.moderate(change, in: group.id, by: actor.id, at: t0)
        }
        _ = try await change(.setRole(userID: bob.id, role: .admin), by: ann)
        await #expect(throws: ChatError.insufficientRole) { _ = try await change(.ban(userID: ann.id, reason: nil), by: bob) }
        await #expect(throws: ChatError.userNotFound) { _ = try await change(.ban(userID: "nobody", reason: nil), by: bob) }
        _ = try await change(.ban(userID: cat.id, reason: "spam"), by: bob)
        _ = try await change(.ban(userID: dan.id, reason: nil), by: ann)
        #expect(try await repository.role(of: cat.id, in: group.id) == nil)
        let bans = try await repository.bans(of: group.id)
        #expect(Set(bans.map(\.user.id)) == [cat.id, dan.id])
        #expect(bans.first { $0.user.id == cat.id }?.reason == "spam")
        #expect(bans.first { $0.user.id == cat.id }?.bannedBy == bob.summary)
        let fresh = try await self.invite(repository, group, by: ann)
        await #expect(throws: ChatError.banned) { _ = try await repository.acceptInvite(tokenHash: fresh.hash, userID: cat.id, at: t0) }
        await #expect(throws: ChatError.banned) { _ = try await repository.acceptInvite(tokenHash: fresh.hash, userID: dan.id, at: t0) }
        _ = try await change(.unban(userID: cat.id), by: ann)
        await #expect(throws: ChatError.banNotFound) { _ = try await change(.unban(userID: cat.id), by: ann) }
        #expect(try await repository.acceptInvite(tokenHash: fresh.hash, userID: cat.id, at: t0).group?.id == group.id)

        // Settings: the owner and admins; an admins-only policy refuses members' invites.
        await #expect(throws: ChatError.notGroupAdmin) { _ = try await change(.update(name: "Mine", invitePolicy: nil), by: cat) }
        guard case .updated(let updated) = try await change(.update(name: "Renamed", invitePolicy: .admins), by: bob) else {
            Issue.record("expected the updated group")
            return
        }
        #expect(updated.name == "Renamed" && updated.invitePolicy == .admins && updated.role == .admin)
        #expect(try await change(.update(name: "Renamed", invitePolicy: nil), by: bob) == .updated(updated), "nothing changed, no rev")
        await #expect(throws: ChatError.invitesAdminsOnly) { _ = try await self.invite(repository, group, by: cat) }
        _ = try await self.invite(repository, group, by: bob)
        #expect(try await repository.group(id: group.id, as: cat.id)?.invitePolicy == .admins)
        #expect(sink.recorded.contains(.groupUpdated(updated.info, rev: updated.rev)))
        await #expect(throws: ChatError.notOwner) { _ = try await change(.delete, by: bob) }
        #expect(try await change(.delete, by: ann) == .groupDeleted)
        #expect(try await repository.groups(of: cat.id).isEmpty)
    }

    /// Invites that need approval: requests, their limits and expiry, decisions, and the audit of memberships.
    static func joinRequests(_ repository: any ChatRepository, _ sink: RecordingSink) async throws {
        let ann = RepositoryContract.user("Ann")
        let bob = RepositoryContract.user("Bob")
        let group = try await RepositoryContract.group(repository, name: "Gate", owner: ann, others: [bob])
        _ = try await repository.moderate(.setRole(userID: bob.id, role: .admin), in: group.id, by: ann.id, at: t0)
        let gate = try await self.invite(repository, group, by: bob, uses: 5, approval: true)
        let guests = (0..<30).map { RepositoryContract.user("G\($0)") }
        for guest in guests { try await repository.insertUser(guest, passwordHash: nil) }
        let outcomes = await withTaskGroup(of: String.self) { tasks in
            for guest in guests {
                tasks.addTask {
                    do {
                        if case .requested = try await repository.acceptInvite(tokenHash: gate.hash, userID: guest.id, at: t0) { return "requested" }
                        return "joined"
                    } catch let error as ChatError {
                        return error.code
                    } catch {
                        return "\(error)"
                    }
                }
            }
            return await tasks.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "requested" }.count == 5, "\(Set(outcomes))")
        #expect(outcomes.filter { $0 == "invite_used_up" }.count == 25)
        let pending = try await repository.joinRequests(of: group.id, at: t0)
        #expect(pending.count == 5)
        #expect(pending.allSatisfy { $0.status == .pending && $0.invite == InviteRef(id: gate.id, createdBy: bob.summary) })
        // Asking again returns the same request, and takes no use.
        let asker = try #require(guests.first { guest in pending.contains { $0.user.id == guest.id } })
        guard case .requested(let again) = try await repository.acceptInvite(tokenHash: gate.hash, userID: asker.id, at: t0) else {
            Issue.record("expected the pending request")
            return
        }
        #expect(pending.contains(again))
        #expect(try await repository.role(of: asker.id, in: group.id) == nil, "a request is not a membership")
        let managers = try #require(sink.recorded.compactMap { if case .joinRequested(_, let managers) = $0 { managers } else { nil } }.first)
        #expect(Set(managers) == [ann.id, bob.id])

        // Decisions: approval makes a member who came through the invite; denial tells; each request once.
        guard case .decided(let approved) = try await repository.moderate(.approve(requestID: pending[0].id), in: group.id, by: bob.id, at: t0)
        else {
            Issue.record("expected a decision")
            return
        }
        #expect(approved.status == .approved)
        #expect(try await repository.role(of: pending[0].user.id, in: group.id) == .member)
        await #expect(throws: ChatError.requestDecided) {
            _ = try await repository.moderate(.deny(requestID: pending[0].id), in: group.id, by: ann.id, at: t0)
        }
        await #expect(throws: ChatError.notGroupAdmin) {
            _ = try await repository.moderate(.deny(requestID: pending[1].id), in: group.id, by: pending[0].user.id, at: t0)
        }
        _ = try await repository.moderate(.deny(requestID: pending[1].id), in: group.id, by: ann.id, at: t0)
        #expect(sink.recorded.contains(.joinDenied(groupID: group.id, requestID: pending[1].id, userID: pending[1].user.id)))
        await #expect(throws: ChatError.requestNotFound) {
            _ = try await repository.moderate(.approve(requestID: "nope"), in: group.id, by: ann.id, at: t0)
        }
        // A ban denies a pending request.
        _ = try await repository.moderate(.ban(userID: pending[2].user.id, reason: nil), in: group.id, by: ann.id, at: t0)
        #expect(try await repository.joinRequests(of: group.id, at: t0).map(\.id) == [pending[3].id, pending[4].id])
        // A request expires with its invite.
        let later = t0.addingTimeInterval(3601)
        #expect(try await repository.joinRequests(of: group.id, at: later).isEmpty)
        await #expect(throws: ChatError.requestExpired) {
            _ = try await repository.moderate(.approve(requestID: pending[3].id), in: group.id, by: ann.id, at: later)
        }

        // The audit: each membership records its invite and who made it; each invite counts who joined through it.
        let plain = try await self.invite(repository, group, by: bob)
        let walkIn = RepositoryContract.user("Walk-in")
        try await repository.insertUser(walkIn, passwordHash: nil)
        _ = try await repository.acceptInvite(tokenHash: plain.hash, userID: walkIn.id, at: t0)
        let members = try await repository.members(of: group.id, after: nil, limit: 50, at: t0)
        #expect(members.first { $0.user.id == ann.id }?.invite == nil, "the creator came through no invite")
        #expect(members.first { $0.user.id == pending[0].user.id }?.invite == InviteRef(id: gate.id, createdBy: bob.summary))
        #expect(members.first { $0.user.id == walkIn.id }?.invite == InviteRef(id: plain.id, createdBy: bob.summary))
        let invites = try await repository.liveInvites(of: group.id, at: t0)
        #expect(invites.first { $0.id == plain.id }?.joinedCount == 1)
        #expect(invites.first { $0.id == plain.id }?.requireApproval == false)
        #expect(invites.contains { $0.id == gate.id } == false, "used up")
    }

    /// The change feed carries membership changes in the same rev order as messages, each once, as it is now.
    static func memberFeed(_ repository: any ChatRepository) async throws {
        let (ann, bob, cat) = (RepositoryContract.user("Ann"), RepositoryContract.user("Bob"), RepositoryContract.user("Cat"))
        let group = try await RepositoryContract.group(repository, name: "Feed", owner: ann, others: [bob, cat])
        let since = try #require(try await repository.group(id: group.id, as: ann.id)?.rev)
        _ = try await RepositoryContract.appendAndReturn(repository, group, bob, "hello")
        _ = try await repository.moderate(.setRole(userID: bob.id, role: .admin), in: group.id, by: ann.id, at: t0)
        _ = try await repository.moderate(.setRole(userID: bob.id, role: .member), in: group.id, by: ann.id, at: t0)
        _ = try await repository.moderate(.kick(userID: cat.id), in: group.id, by: ann.id, at: t0)
        _ = try await repository.moderate(.update(name: "Feed 2", invitePolicy: nil), in: group.id, by: ann.id, at: t0)
        let page = try await repository.changes(in: group.id, since: since, limit: 100)
        #expect(page.messages.map(\.text) == ["hello"])
        #expect(page.members.map(\.userId) == [bob.id, cat.id], "Bob once, as he is now")
        #expect(page.members[0].member?.role == .member && page.members[0].rev == since + 3)
        #expect(page.members[1].removed == .kicked && page.members[1].member == nil && page.members[1].rev == since + 4)
        #expect(page.group?.name == "Feed 2" && page.group?.memberCount == 2)
        #expect(page.rev == since + 5 && !page.hasMore)
        // Paged one change at a time, from before the joins.
        var kinds: [String] = []
        var cursor: Int64 = 0
        while true {
            let page = try await repository.changes(in: group.id, since: cursor, limit: 1)
            kinds += page.messages.map { _ in "message" } + page.members.map { $0.removed == nil ? "member" : "removed" }
            if page.group != nil { kinds.append("group") }
            cursor = page.rev
            if !page.hasMore { break }
        }
        #expect(kinds == ["message", "member", "removed", "group"], "Bob's join was superseded by his later role change")
        // Cat comes back: her tombstone gives way to the membership.
        let back = try await self.invite(repository, group, by: ann)
        _ = try await repository.acceptInvite(tokenHash: back.hash, userID: cat.id, at: t0)
        let after = try await repository.changes(in: group.id, since: since, limit: 100)
        #expect(after.members.map(\.userId) == [bob.id, cat.id])
        #expect(after.members[1].member?.role == .member)
    }
}

extension RepositoryContract {
    /// Appends a message and returns it.
    static func appendAndReturn(_ repository: any ChatRepository, _ group: Group, _ sender: User, _ text: String) async throws -> Message {
        try await repository.appendMessage(self.draft(group.id, sender.id, text)).message
    }
}
