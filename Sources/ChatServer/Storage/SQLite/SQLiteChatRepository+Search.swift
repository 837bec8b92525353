import ChatCore
import Foundation
import SQLiteNIO

extension SQLiteChatRepository {
    /// The index yields matches in descending `search_rowid`, that is newest first, so a page stops after `limit`
    /// hits of the user's groups instead of sorting every match (`CROSS JOIN` keeps the index the outer loop).
    func search(_ query: SearchQuery, userID: String, groupID: String?, before cursor: SearchCursor?, limit: Int) async throws -> [SearchResult] {
        try await self.store.read { connection in
            let group = groupID.map(SQLiteData.text) ?? .null
            let rows = try await connection.rows(
                """
                SELECT \(SQLiteSQL.messageColumns), m.search_rowid
                FROM message_search s CROSS JOIN messages m ON m.search_rowid = s.rowid JOIN users u ON u.id = m.sender_id
                WHERE message_search MATCH ? AND s.rowid < ?
                    AND m.group_id IN (SELECT group_id FROM memberships WHERE user_id = ?) AND (? IS NULL OR m.group_id = ?)
                ORDER BY s.rowid DESC LIMIT ?
                """,
                [.text(SQLiteSearchSyntax.match(query)), .integer(Int(cursor?.key ?? Int64.max)), .text(userID), group, group, .integer(limit)]
            )
            var results: [SearchResult] = []
            var changed: [String: [Int64]] = [:]
            for row in rows {
                let message = try SQLiteSQL.message(row)
                if try row.int("created_rev") != message.rev { changed[message.groupId, default: []].append(message.seq) }
                let key = Int64(try row.int("search_rowid"))
                results.append(SearchResult(message: message, cursor: SearchCursor(key: key, groupID: message.groupId, seq: message.seq)))
            }
            var withReactions: [String: Message] = [:]
            for (groupID, seqs) in changed {
                let messages = results.map(\.message).filter { $0.groupId == groupID }
                for message in try await SQLiteSQL.withReactions(messages, of: seqs, on: connection) { withReactions[message.id] = message }
            }
            return results.map { result in
                var result = result
                result.message = withReactions[result.message.id] ?? result.message
                return result
            }
        }
    }
}

/// A ``SearchQuery`` in FTS5's query language: each term's words quoted as a phrase (so that nothing the user
/// typed is read as syntax), the required ones joined by `AND`, the excluded ones after `NOT`.
enum SQLiteSearchSyntax {
    static func match(_ query: SearchQuery) -> String {
        let required = query.required.map(phrase).joined(separator: " AND ")
        let excluded = query.excluded.map(phrase)
        guard !excluded.isEmpty else { return required }
        return "(\(required)) NOT (\(excluded.joined(separator: " OR ")))"
    }

    private static func phrase(_ term: SearchQuery.Term) -> String {
        let words = term.words.map { $0.replacingOccurrences(of: "\"", with: "\"\"") }.joined(separator: " ")
        return "\"\(words)\"" + (term.isPrefix ? " *" : "")
    }
}
