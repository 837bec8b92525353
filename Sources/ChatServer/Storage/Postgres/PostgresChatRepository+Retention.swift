import ChatCore
import Foundation
import PostgresNIO

extension PostgresChatRepository {
    func retentionPolicies(serverDays: Int?) async throws -> [GroupRetention] {
        try await self.store.read { connection in
            let server = serverDays.map(Int32.init)
            var policies: [GroupRetention] = []
            for try await (id, days) in try await connection.query(
                "SELECT id, retention_days FROM groups WHERE retention_days IS NOT NULL OR \(server)::integer IS NOT NULL",
                logger: self.logger
            ).decode((String, Int32?).self) {
                if let effective = GroupRetention.effective(group: days.map(Int.init), server: serverDays) {
                    policies.append(GroupRetention(groupID: id, days: effective))
                }
            }
            return policies
        }
    }

    /// One short transaction; instances purging the same group at once delete each row once.
    func purgeMessages(in groupID: String, before cutoff: Date, limit: Int) async throws -> Int {
        try await self.store.transaction { connection in
            var oldest: [(seq: Int64, createdAt: Int64)] = []
            for try await row in try await connection.query(
                "SELECT seq, created_at FROM messages WHERE group_id = \(groupID) ORDER BY seq ASC LIMIT \(limit)",
                logger: self.logger
            ).decode((Int64, Int64).self) {
                oldest.append((seq: row.0, createdAt: row.1))
            }
            guard let range = PurgeRange.expired(oldest, before: cutoff) else { return 0 }
            var deleted = 0
            for try await _ in try await connection.query(
                """
                DELETE FROM messages WHERE group_id = \(groupID) AND seq BETWEEN \(range.lowerBound) AND \(range.upperBound)
                RETURNING seq
                """,
                logger: self.logger
            ).decode(Int64.self) {
                deleted += 1
            }
            return deleted
        }
    }

    func oldestSeq(in groupID: String) async throws -> Int64? {
        try await self.store.read { connection in
            for try await seq in try await connection.query(
                "SELECT min(seq) FROM messages WHERE group_id = \(groupID)",
                logger: self.logger
            ).decode(Int64?.self) {
                return seq
            }
            return nil
        }
    }
}
