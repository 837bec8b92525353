import ChatCore
import Foundation
import Testing

@testable import ChatServer

/// What the abuse limits read from storage, and accepts that race, as every backend must answer them.
enum QuotaContract {
    static let t0 = RepositoryContract.t0

    private static func invite(
        _ repository: any ChatRepository,
        group: String,
        by user: String,
        expires: TimeInterval = 60,
        uses: Int = 5
    )
        async throws -> [UInt8]
    {
        let hash = InviteToken.generate().hash
        try await repository.insertInvite(
            NewInvite(
                id: UUIDv7.make(),
                tokenHash: hash,
                groupID: group,
                createdBy: user,
                createdAt: t0,
                expiresAt: t0.addingTimeInterval(expires),
                maxUses: uses
            )
        )
        return hash
    }

    /// Owned groups and live invites are counted per user; expired, used-up and revoked invites are not.
    static func counts(_ repository: any ChatRepository) async throws {
        let ann = RepositoryContract.user("Ann")
        let bob = RepositoryContract.user("Bob")
        let group = try await RepositoryContract.group(repository, name: "Mine", owner: ann, others: [bob])
        _ = try await repository.createGroup(id: UUIDv7.make(), name: "Also mine", owner: ann.id, at: t0)
        #expect(try await repository.ownedGroupCount(of: ann.id) == 2)
        #expect(try await repository.ownedGroupCount(of: bob.id) == 0, "membership is not ownership")

        let before = try await repository.liveInviteCount(by: ann.id, at: t0)  // the used-up ones of `group`
        #expect(before == 0)
        _ = try await self.invite(repository, group: group.id, by: ann.id)
        _ = try await self.invite(repository, group: group.id, by: ann.id, expires: 10)
        let single = try await self.invite(repository, group: group.id, by: ann.id, uses: 1)
        #expect(try await repository.liveInviteCount(by: ann.id, at: t0) == 3)
        #expect(try await repository.liveInviteCount(by: ann.id, at: t0.addingTimeInterval(30)) == 2, "expired ones do not count")
        _ = try await repository.acceptInvite(tokenHash: single, userID: try await self.stranger(repository).id, at: t0)
        #expect(try await repository.liveInviteCount(by: ann.id, at: t0) == 2, "used-up ones do not count")
        let live = try await repository.liveInvites(of: group.id, at: t0)
        #expect(try await repository.revokeInvite(id: try #require(live.first).id, of: group.id, at: t0))
        #expect(try await repository.liveInviteCount(by: ann.id, at: t0) == 1, "revoked ones do not count")
        #expect(try await repository.liveInviteCount(by: bob.id, at: t0) == 0)
    }

    private static func stranger(_ repository: any ChatRepository) async throws -> User {
        let user = RepositoryContract.user("Stranger")
        try await repository.insertUser(user, passwordHash: nil)
        return user
    }

    /// One user accepting two different invites to one group at once: one joins, the other finds the membership.
    static func concurrentAccepts(_ repository: any ChatRepository) async throws {
        let ann = RepositoryContract.user("Ann")
        try await repository.insertUser(ann, passwordHash: nil)
        for round in 0..<10 {
            let group = try await repository.createGroup(id: UUIDv7.make(), name: "Race \(round)", owner: ann.id, at: t0)
            let first = try await self.invite(repository, group: group.id, by: ann.id)
            let second = try await self.invite(repository, group: group.id, by: ann.id)
            let joiner = try await self.stranger(repository)
            async let a = repository.acceptInvite(tokenHash: first, userID: joiner.id, at: t0)
            async let b = repository.acceptInvite(tokenHash: second, userID: joiner.id, at: t0)
            let outcomes = [try await a, try await b]
            let joined = outcomes.filter { if case .joined = $0 { true } else { false } }.count
            let already = outcomes.filter { if case .alreadyMember = $0 { true } else { false } }.count
            #expect((joined, already) == (1, 1), "round \(round): \(outcomes)")
            #expect(try await repository.members(of: group.id).count == 2)
        }
    }
}
