import ChatCore
import Foundation
import SQLiteNIO

extension SQLiteChatRepository {
    func retentionPolicies(serverDays: Int?) async throws -> [GroupRetention] {
        try await self.store.read { connection in
            try await connection.rows(
                "SELECT id, retention_days FROM groups WHERE retention_days IS NOT NULL OR ? IS NOT NULL",
                [serverDays.map(SQLiteData.integer) ?? .null]
            ).compactMap { row in
                let days = GroupRetention.effective(group: row.optionalInt("retention_days"), server: serverDays)
                return try days.map { GroupRetention(groupID: try row.text("id"), days: $0) }
            }
        }
    }

    /// One batch on the writer, between message writes: reads the oldest `limit` rows by the primary key and
    /// deletes the expired run of them; the search index's trigger and the reactions' cascade follow.
    func purgeMessages(in groupID: String, before cutoff: Date, limit: Int) async throws -> Int {
        try await self.store.write { transaction in
            let oldest = try await transaction.connection.rows(
                "SELECT seq, created_at FROM messages WHERE group_id = ? ORDER BY seq ASC LIMIT ?",
                [.text(groupID), .integer(limit)]
            ).map { (seq: Int64(try $0.int("seq")), createdAt: Int64(try $0.int("created_at"))) }
            guard let range = PurgeRange.expired(oldest, before: cutoff) else { return 0 }
            return try await transaction.connection.rows(
                "DELETE FROM messages WHERE group_id = ? AND seq BETWEEN ? AND ? RETURNING seq",
                [.text(groupID), .integer(Int(range.lowerBound)), .integer(Int(range.upperBound))]
            ).count
        }
    }

    func oldestSeq(in groupID: String) async throws -> Int64? {
        try await self.store.read { connection in
            try await connection.rows("SELECT min(seq) AS seq FROM messages WHERE group_id = ?", [.text(groupID)])
                .first?.optionalInt("seq").map(Int64.init)
        }
    }
}
