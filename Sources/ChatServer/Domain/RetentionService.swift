import ChatCore
import Foundation
import Logging
import ServiceLifecycle

/// Erases messages that outlived their group's retention (its own, else `RETENTION_DAYS`), every `interval`.
///
/// Each group is purged in batches of ``batchSize`` oldest messages, one short transaction each, so that a writer
/// waits for at most one batch. Counts go to the log and to `chat_messages_purged_total`, never content.
///
/// Each round also finishes account deletions that a stop cut short (see ``AccountEraser``).
struct RetentionService: Service {
    static let batchSize = 50

    let repository: any ChatRepository
    let serverDays: Int?
    let interval: Duration
    let clock: WallClock
    let metrics: ServerMetrics
    let logger: Logger
    var accounts: AccountEraser? = nil

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                _ = try await self.purge()
            } catch {
                self.logger.error("Retention purge failed; retrying next round", metadata: ["error": "\(error)"])
            }
            do {
                let finished = try await self.accounts?.finishInterrupted() ?? 0
                if finished > 0 { self.logger.notice("Finished interrupted account deletions", metadata: ["accounts": "\(finished)"]) }
            } catch {
                self.logger.error("Finishing account deletions failed; retrying next round", metadata: ["error": "\(error)"])
            }
            // The sleep ends early on a graceful shutdown, which ends the loop.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    /// One round over every group with a retention; returns how many messages it erased.
    func purge() async throws -> Int {
        let now = self.clock.now()
        var total = 0
        for policy in try await self.repository.retentionPolicies(serverDays: self.serverDays) {
            let cutoff = now.addingTimeInterval(-Double(policy.days) * 86_400)
            var erased = 0
            while !Task.isShuttingDownGracefully {
                let batch = try await self.repository.purgeMessages(in: policy.groupID, before: cutoff, limit: Self.batchSize)
                erased += batch
                self.metrics.messagesPurged(batch)
                if batch < Self.batchSize { break }
            }
            if erased > 0 {
                self.logger.info("Purged expired messages", metadata: ["group": "\(policy.groupID)", "count": "\(erased)", "days": "\(policy.days)"])
            }
            total += erased
        }
        return total
    }
}
