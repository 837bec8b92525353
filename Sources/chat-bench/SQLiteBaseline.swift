import ChatCore
import ChatServer
import Foundation
import NIOCore
import SQLiteNIO

/// The ingest baseline: a native SQLite insert loop on the schema chat-server creates, with its durability
/// (WAL, `synchronous=FULL`, foreign keys on), 100 rows per transaction. Each row takes its `seq` and `rev` from
/// the group, as the schema's trigger demands, with the same two statements as chat-server's insert (the search
/// index's triggers included).
enum SQLiteBaseline {
    static let rowsPerTransaction = 100

    /// Rows per second over `seconds`, on the database file at `path`, into `groupID` as `senderID`.
    static func rowsPerSecond(path: String, groupID: String, senderID: String, seconds: Double, progress: Progress) async throws -> Double {
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        defer { try? connection.close().wait() }
        for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 10000"] {
            _ = try await connection.query(pragma)
        }
        try await connection.installSearchFunction()
        let text = LoadMark.text(group: 0, index: 0, nanos: nowNanos())
        let start = ContinuousClock.now
        let end = start + .milliseconds(Int64(seconds * 1000))
        var rows = 0
        while ContinuousClock.now < end {
            _ = try await connection.query("BEGIN IMMEDIATE")
            for _ in 0..<Self.rowsPerTransaction {
                let now = Date()
                let milliseconds = SQLiteData.integer(Int(now.timeIntervalSince1970 * 1000))
                guard
                    let taken = try await connection.query(
                        """
                        UPDATE groups SET last_seq = last_seq + 1, last_rev = last_rev + 1, last_activity_at = max(last_activity_at, ?)
                        WHERE id = ? RETURNING last_seq, last_rev
                        """,
                        [milliseconds, .text(groupID)]
                    ).first,
                    let seq = taken.column("last_seq")?.integer, let rev = taken.column("last_rev")?.integer
                else { throw BenchError("the baseline's group \(groupID) is missing") }
                _ = try await connection.query(
                    """
                    INSERT INTO messages (group_id, seq, rev, created_rev, id, sender_id, text, client_id, created_at, search_rowid)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(search_rowid), 0) + 1 FROM messages))
                    """,
                    [
                        .text(groupID), .integer(seq), .integer(rev), .integer(rev), .text(UUIDv7.make(at: now)), .text(senderID), .text(text),
                        .text("b\(rows)"),
                        milliseconds,
                    ]
                )
                rows += 1
            }
            _ = try await connection.query("COMMIT")
            progress.update("ingest baseline: \(rows) rows")
        }
        let elapsed = ContinuousClock.now - start
        return Double(rows) / elapsed.seconds
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double { Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18 }
}
