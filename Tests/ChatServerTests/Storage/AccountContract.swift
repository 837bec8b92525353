import ChatCore
import Foundation
import Testing

@testable import ChatServer

/// Token versions and account deletion, as every backend must carry them out.
enum AccountContract {
    static let t0 = RepositoryContract.t0

    /// Raising the version ends the tokens before it, stores a new password hash when given, and is announced.
    static func sessions(_ repository: any ChatRepository, _ sink: RecordingSink) async throws {
        let ann = RepositoryContract.user("Ann", email: "ann@example.org")
        try await repository.insertUser(ann, passwordHash: "$2b$10$old")
        #expect(try await repository.sessionState(of: ann.id) == .init(version: 0, deleted: false))
        #expect(try await repository.credentials(email: ann.email!)?.tokenVersion == 0)

        #expect(try await repository.endSessions(of: ann.id, passwordHash: "$2b$10$new") == 1)
        var stored = try #require(try await repository.credentials(email: ann.email!))
        #expect((stored.passwordHash, stored.tokenVersion) == ("$2b$10$new", 1))
        #expect(try await repository.endSessions(of: ann.id, passwordHash: nil) == 2)
        stored = try #require(try await repository.credentials(email: ann.email!))
        #expect((stored.passwordHash, stored.tokenVersion) == ("$2b$10$new", 2))
        #expect(try await repository.sessionState(of: ann.id) == .init(version: 2, deleted: false))
        #expect(sink.recorded.contains(.sessionsEnded(userID: ann.id, version: 1, deleted: false)))
        #expect(sink.recorded.contains(.sessionsEnded(userID: ann.id, version: 2, deleted: false)))

        #expect(try await repository.sessionState(of: "nobody") == nil)
        await #expect(throws: ChatError.invalidToken) { _ = try await repository.endSessions(of: "nobody", passwordHash: nil) }
    }

    /// Ann owns three groups, belongs to Bob's, and once wrote in a group she left; then she deletes her account.
    static func deletion(_ repository: any ChatRepository, _ sink: RecordingSink) async throws {
        let ann = RepositoryContract.user("Ann", email: "ann@example.org")
        let (bob, cat, dan) = (RepositoryContract.user("Bob"), RepositoryContract.user("Cat"), RepositoryContract.user("Dan"))
        try await repository.insertUser(ann, passwordHash: "$2b$10$hash")
        for user in [bob, cat, dan] { try await repository.insertUser(user, passwordHash: nil) }

        // Crew: Cat joined first (a member), then Bob and Dan (made admins): Bob, the older admin, takes over.
        let crew = try await repository.createGroup(id: UUIDv7.make(), name: "Crew", owner: ann.id, at: t0)
        try await self.join(repository, [cat, bob, dan], to: crew.id, invitedBy: ann.id)
        for admin in [dan, bob] { _ = try await repository.moderate(.setRole(userID: admin.id, role: .admin), in: crew.id, by: ann.id, at: t0) }
        // Pair: members only; Cat, who joined before Dan, takes over.
        let pair = try await repository.createGroup(id: UUIDv7.make(), name: "Pair", owner: ann.id, at: t0)
        try await self.join(repository, [cat, dan], to: pair.id, invitedBy: ann.id)
        // Solo: no one else; it goes with her.
        let solo = try await repository.createGroup(id: UUIDv7.make(), name: "Solo", owner: ann.id, at: t0)
        // Bob's group, where Ann is a member; and an old group she wrote in and left.
        let bobs = try await repository.createGroup(id: UUIDv7.make(), name: "Bob's", owner: bob.id, at: t0)
        try await self.join(repository, [ann], to: bobs.id, invitedBy: bob.id)
        let old = try await repository.createGroup(id: UUIDv7.make(), name: "Old", owner: bob.id, at: t0)
        try await self.join(repository, [ann], to: old.id, invitedBy: bob.id)

        // 120 messages in Crew (more than two batches), and a few elsewhere; Bob reacts to one of hers.
        let crewIDs = try await SearchContract.post(repository, (0..<120).map { "zebra crossing \($0)" }, in: crew, by: ann, from: 0)
        _ = try await SearchContract.post(repository, ["bob's own zebra"], in: crew, by: bob, from: 200)
        _ = try await SearchContract.post(repository, ["zebra pair"], in: pair, by: ann, from: 300)
        let bobsIDs = try await SearchContract.post(repository, ["zebra at bob's"], in: bobs, by: ann, from: 400)
        _ = try await repository.setReaction(ReactionChange(groupID: bobs.id, messageID: bobsIDs[0], userID: bob.id, emoji: "👍", present: true))
        _ = try await SearchContract.post(repository, ["zebra of old"], in: old, by: ann, from: 500)
        _ = try await repository.moderate(.leave, in: old.id, by: ann.id, at: t0)
        try await repository.insertInvite(
            NewInvite(
                id: UUIDv7.make(),
                tokenHash: InviteToken.generate().hash,
                groupID: pair.id,
                createdBy: ann.id,
                createdAt: t0,
                expiresAt: t0.addingTimeInterval(3600),
                maxUses: 5
            )
        )
        #expect(try await repository.liveInvites(of: pair.id, at: t0).count == 1)
        let crewBefore = try #require(try await repository.group(id: crew.id, as: bob.id))

        // Closing the account ends its tokens and erases what identifies it, at once.
        try await repository.closeAccount(ann.id, at: t0)
        #expect(try await repository.sessionState(of: ann.id) == .init(version: 1, deleted: true))
        #expect(sink.recorded.contains(.sessionsEnded(userID: ann.id, version: 1, deleted: true)))
        #expect(try await repository.user(id: ann.id) == nil)
        #expect(try await repository.credentials(email: "ann@example.org") == nil)
        #expect(try await repository.liveInvites(of: pair.id, at: t0).isEmpty)
        await #expect(throws: ChatError.invalidToken) { try await repository.closeAccount(ann.id, at: t0) }
        await #expect(throws: ChatError.invalidToken) { _ = try await repository.endSessions(of: ann.id, passwordHash: nil) }
        // The email is free for a new account.
        try await repository.insertUser(RepositoryContract.user("New Ann", email: "ANN@example.org"), passwordHash: "$2b$10$x")
        #expect(Set(try await repository.accountRemnants(of: ann.id)) == [crew.id, pair.id, solo.id, bobs.id, old.id])
        #expect(try await repository.unfinishedAccountDeletions(limit: 10) == [ann.id])

        // Then the eraser takes her out of everything.
        let eraser = AccountEraser(repository: repository, clock: WallClock { t0.addingTimeInterval(10) })
        #expect(try await eraser.erase(ann.id) == 123)
        #expect(try await repository.accountRemnants(of: ann.id).isEmpty)
        #expect(try await repository.unfinishedAccountDeletions(limit: 10).isEmpty)
        #expect(try await eraser.erase(ann.id) == 0)

        // Crew: Bob owns it; her 120 messages are tombstones named "Deleted user", each with its own rev, in order.
        let crewMembers = try await repository.members(of: crew.id)
        #expect(crewMembers.map(\.user.id) == [cat.id, bob.id, dan.id])
        #expect(crewMembers.map(\.role) == [.member, .owner, .admin])
        let crewAfter = try #require(try await repository.group(id: crew.id, as: bob.id))
        #expect(crewAfter.rev == crewBefore.rev + 122, "120 tombstones, her removal and Bob's promotion")
        let history = try await repository.messages(in: crew.id, after: 0, limit: 200)
        #expect(history.count == 121)
        let hers = history.filter { $0.sender.id == ann.id }
        #expect(hers.map(\.id) == crewIDs)
        #expect(hers.allSatisfy { $0.deleted && $0.text.isEmpty && $0.sender.displayName == User.deletedName })
        #expect(hers.map(\.rev) == Array((crewBefore.rev + 1)...(crewBefore.rev + 120)))
        #expect(history.last?.text == "bob's own zebra")
        let feed = try await repository.changes(in: crew.id, since: crewBefore.rev, limit: 500)
        #expect(feed.messages.count == 120 && feed.messages.allSatisfy(\.deleted))
        #expect(feed.members.map(\.userId).sorted() == [ann.id, bob.id].sorted())
        #expect(feed.members.first { $0.userId == ann.id }?.removed == .left)

        // Pair: Cat owns it. Solo is gone. Bob's group keeps Bob; her message there lost its reaction.
        #expect(try await repository.members(of: pair.id).map { [$0.user.id, $0.role.rawValue] } == [[cat.id, "owner"], [dan.id, "member"]])
        await #expect(throws: ChatError.groupNotFound) { _ = try await repository.changes(in: solo.id, since: 0, limit: 10) }
        #expect(try await repository.members(of: bobs.id).map(\.user.id) == [bob.id])
        let atBobs = try #require(try await repository.messages(in: bobs.id, after: 0, limit: 10).first)
        #expect(atBobs.deleted && atBobs.reactions.isEmpty)
        #expect(try await repository.messages(in: old.id, after: 0, limit: 10).allSatisfy(\.deleted))
        // Her words are found nowhere; Bob's are.
        #expect(try await SearchContract.ids(repository, "zebra", as: bob.id).count == 1)
        #expect(try await SearchContract.ids(repository, "zebra", as: cat.id).count == 1)
        // Everyone in her groups heard of it: tombstones, removals, Bob's and Cat's new role, Solo's deletion.
        let events = sink.recorded
        #expect(events.contains(.memberRemoved(groupID: crew.id, userID: ann.id, reason: .left, rev: crewBefore.rev + 121)))
        #expect(events.contains(.memberUpdated(groupID: crew.id, userID: bob.id, role: .owner, rev: crewBefore.rev + 122)))
        #expect(events.contains(.groupDeleted(groupID: solo.id)))
        let tombstones = events.filter { if case .messageUpdated(let message) = $0 { message.sender.id == ann.id && message.deleted } else { false } }
        #expect(tombstones.count == 123)
    }

    /// A deletion cut short (the account closed, nothing erased yet) is found and finished.
    static func interrupted(_ repository: any ChatRepository) async throws {
        let (eve, fay) = (RepositoryContract.user("Eve"), RepositoryContract.user("Fay"))
        let group = try await RepositoryContract.group(repository, name: "Left over", owner: fay, others: [eve])
        _ = try await SearchContract.post(repository, ["one", "two"], in: group, by: eve, from: 0)
        try await repository.closeAccount(eve.id, at: t0)
        #expect(try await repository.unfinishedAccountDeletions(limit: 10) == [eve.id])
        let eraser = AccountEraser(repository: repository, clock: WallClock { t0 })
        #expect(try await eraser.finishInterrupted() == 1)
        #expect(try await eraser.finishInterrupted() == 0)
        #expect(try await repository.members(of: group.id).map(\.user.id) == [fay.id])
        #expect(try await repository.messages(in: group.id, after: 0, limit: 10).allSatisfy(\.deleted))
    }

    /// Joins each user in turn, a second apart, through a one-use invite.
    private static func join(_ repository: any ChatRepository, _ users: [User], to groupID: String, invitedBy inviter: String) async throws {
        for (index, user) in users.enumerated() {
            let hash = InviteToken.generate().hash
            let at = t0.addingTimeInterval(TimeInterval(index + 1))
            try await repository.insertInvite(
                NewInvite(
                    id: UUIDv7.make(),
                    tokenHash: hash,
                    groupID: groupID,
                    createdBy: inviter,
                    createdAt: t0,
                    expiresAt: t0.addingTimeInterval(3600),
                    maxUses: 1
                )
            )
            _ = try await repository.acceptInvite(tokenHash: hash, userID: user.id, at: at)
        }
    }
}
