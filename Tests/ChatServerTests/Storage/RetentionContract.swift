import ChatCore
import ChatTestSupport
import Foundation
import Logging
import Testing

@testable import ChatServer

/// Retention, as every backend must carry it out.
enum RetentionContract {
    static let t0 = RepositoryContract.t0
    static let day: TimeInterval = 86_400

    /// A group with 450 messages, one a second from `t0` (`word0` … `word449`), and a second, quieter group.
    static func purge(_ repository: any ChatRepository) async throws {
        let (ann, bob) = (RepositoryContract.user("Ann"), RepositoryContract.user("Bob"))
        let busy = try await RepositoryContract.group(repository, name: "Busy", owner: ann, others: [bob])
        let cat = RepositoryContract.user("Cat")
        let quiet = try await RepositoryContract.group(repository, name: "Quiet", owner: cat, others: [])
        let texts = (0..<450).map { "batch word\($0)" }
        let ids = try await SearchContract.post(repository, texts, in: busy, by: ann, from: 0)
        let kept = try await SearchContract.post(repository, ["quiet one", "quiet two"], in: quiet, by: cat, from: 0)
        _ = try await repository.setReaction(ReactionChange(groupID: busy.id, messageID: ids[3], userID: bob.id, emoji: "👍", present: true))
        _ = try await repository.moderate(.update(name: nil, invitePolicy: nil, retentionDays: .some(2)), in: busy.id, by: ann.id, at: t0)
        let before = try #require(try await repository.group(id: busy.id, as: ann.id))
        #expect(before.retentionDays == 2)
        #expect(try await repository.retentionPolicies(serverDays: nil) == [GroupRetention(groupID: busy.id, days: 2)])
        let both = try await repository.retentionPolicies(serverDays: 1)
        #expect(Set(both) == [GroupRetention(groupID: busy.id, days: 1), GroupRetention(groupID: quiet.id, days: 1)])

        // Two days and 250 seconds later: the first 250 messages expired, erased in batches by the service.
        let metrics = ServerMetrics()
        let service = RetentionService(
            repository: repository,
            serverDays: nil,
            interval: .seconds(60),
            clock: WallClock { t0.addingTimeInterval(2 * day + 250) },
            metrics: metrics,
            logger: Logger(label: "retention")
        )
        #expect(try await service.purge() == 250)
        #expect(try await service.purge() == 0)
        #expect(String(decoding: metrics.render(), as: UTF8.self).contains("chat_messages_purged_total 250"))

        // History starts at the first message kept, with no gap after it; seq and rev go on from where they were.
        #expect(try await repository.oldestSeq(in: busy.id) == 251)
        let oldest = try await repository.messages(in: busy.id, after: 0, limit: 3)
        #expect(oldest.map(\.seq) == [251, 252, 253])
        let page = try await repository.messages(in: busy.id, before: 260, limit: 50)
        #expect(page.map(\.seq) == Array(251...259))
        let after = try #require(try await repository.group(id: busy.id, as: ann.id))
        #expect((after.lastSeq, after.rev) == (before.lastSeq, before.rev))
        let next = try await repository.appendMessage(RepositoryContract.draft(busy.id, bob.id, "after the purge"))
        #expect((next.message.seq, next.message.rev) == (451, before.rev + 1))
        #expect(try await repository.changes(in: busy.id, since: 0, limit: 500).messages.first?.seq == 251)
        // Purged messages are gone from search too; the quiet group, without a retention, keeps everything.
        #expect(try await SearchContract.ids(repository, "word10", as: bob.id) == [])
        #expect(try await SearchContract.ids(repository, "word300", as: bob.id) == [ids[300]])
        #expect(try await repository.messages(in: quiet.id, after: 0, limit: 10).map(\.id) == kept)

        // Clearing the group's own retention leaves the server's alone in charge.
        _ = try await repository.moderate(.update(name: nil, invitePolicy: nil, retentionDays: .some(nil)), in: busy.id, by: ann.id, at: t0)
        #expect(try await repository.group(id: busy.id, as: ann.id)?.retentionDays == nil)
        #expect(try await repository.retentionPolicies(serverDays: nil).isEmpty)
        // An admin manages the group but not its retention.
        _ = try await repository.moderate(.setRole(userID: bob.id, role: .admin), in: busy.id, by: ann.id, at: t0)
        await #expect(throws: ChatError.notOwner) {
            _ = try await repository.moderate(.update(name: nil, invitePolicy: nil, retentionDays: .some(5)), in: busy.id, by: bob.id, at: t0)
        }
    }
}

@Suite("Retention: which messages expire")
struct PurgeRangeTests {
    @Test("the run of expired messages from the oldest, stopped by the first one kept")
    func run() {
        let cutoff = Date(timeIntervalSince1970: 100)
        #expect(PurgeRange.expired([(1, 10_000), (2, 20_000), (3, 99_999), (4, 100_000), (5, 5)], before: cutoff) == 1...3)
        #expect(PurgeRange.expired([(7, 100_000), (8, 5)], before: cutoff) == nil)
        #expect(PurgeRange.expired([], before: cutoff) == nil)
        #expect(GroupRetention.effective(group: 30, server: 7) == 7)
        #expect(GroupRetention.effective(group: nil, server: 7) == 7)
        #expect(GroupRetention.effective(group: 3, server: nil) == 3)
        #expect(GroupRetention.effective(group: nil, server: nil) == nil)
    }
}
