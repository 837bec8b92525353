import ChatCore
import Foundation

/// Takes a deleted account out of its groups: its messages become tombstones (in short batches, each tombstone
/// taking its group's next rev), then it leaves each group as ``ModerationChange/resign`` says.
///
/// Every step can be repeated, so a deletion cut short by a stop (or a message that was in flight when the
/// account was closed) is finished by ``RetentionService``'s next round.
struct AccountEraser: Sendable {
    /// Tombstones per transaction: as retention's batches, a writer waits for one at most.
    static let batchSize = 50

    let repository: any ChatRepository
    let clock: WallClock

    /// Erases what is left of the deleted account; returns how many messages it made tombstones.
    @discardableResult
    func erase(_ userID: String) async throws -> Int {
        var erased = 0
        for groupID in try await self.repository.accountRemnants(of: userID) {
            while true {
                let batch = try await self.repository.eraseMessages(of: userID, in: groupID, at: self.clock.now(), limit: Self.batchSize)
                erased += batch
                if batch < Self.batchSize { break }
            }
            do {
                _ = try await self.repository.moderate(.resign, in: groupID, by: userID, at: self.clock.now())
            } catch let error as ChatError where error == .groupNotFound {
                // Not a member (they had left before), or the group is gone.
            }
        }
        return erased
    }

    /// Finishes the deletions cut short; returns how many accounts it finished.
    func finishInterrupted() async throws -> Int {
        let users = try await self.repository.unfinishedAccountDeletions(limit: 100)
        for userID in users { try await self.erase(userID) }
        return users.count
    }
}
