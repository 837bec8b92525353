import ChatCore
import Foundation
import PostgresNIO

extension PostgresChatRepository {
    /// The GIN index finds the matching rows, which are then sorted newest first; the page's messages are read
    /// group by group, with their reactions, in a second step.
    func search(_ query: SearchQuery, userID: String, groupID: String?, before cursor: SearchCursor?, limit: Int) async throws -> [SearchResult] {
        try await self.store.read { connection in
            let after = cursor ?? SearchCursor(key: Int64.max, groupID: "", seq: 0)
            let rows = try await connection.query(
                """
                SELECT m.group_id, m.seq, m.created_at FROM messages m
                WHERE m.search @@ to_tsquery('simple', \(PostgresSearchSyntax.tsquery(query)))
                    AND m.group_id IN (SELECT group_id FROM memberships WHERE user_id = \(userID))
                    AND (\(groupID)::text IS NULL OR m.group_id = \(groupID))
                    AND (m.created_at, m.group_id, m.seq) < (\(after.key), \(after.groupID), \(after.seq))
                ORDER BY m.created_at DESC, m.group_id DESC, m.seq DESC LIMIT \(limit)
                """,
                logger: self.logger
            )
            var keys: [SearchCursor] = []
            for try await (group, seq, created) in rows.decode((String, Int64, Int64).self) {
                keys.append(SearchCursor(key: created, groupID: group, seq: seq))
            }
            var messages: [String: [Int64: Message]] = [:]
            for (group, seqs) in Dictionary(grouping: keys, by: \.groupID).mapValues({ $0.map(\.seq) }) {
                let found = try await PostgresSQL.messages(
                    "\(unescaped: PostgresSQL.messageSelect) WHERE m.group_id = \(group) AND m.seq = ANY(\(seqs))",
                    on: connection,
                    logger: self.logger
                )
                messages[group] = Dictionary(found.map { ($0.seq, $0) }, uniquingKeysWith: { first, _ in first })
            }
            return keys.compactMap { key in
                messages[key.groupID]?[key.seq].flatMap { $0.deleted ? nil : SearchResult(message: $0, cursor: key) }
            }
        }
    }
}

/// A ``SearchQuery`` as a `tsquery`: each term's words as one quoted operand (which `to_tsquery` cuts into words
/// that must follow one another, as it cut the text), `:*` for a prefix, `!` for an exclusion, joined by `&`.
enum PostgresSearchSyntax {
    static func tsquery(_ query: SearchQuery) -> String {
        query.terms.map { term in
            let quoted =
                "'"
                + term.words.joined(separator: " ").replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "'", with: "''") + "'"
            return (term.isExcluded ? "!" : "") + quoted + (term.isPrefix ? ":*" : "")
        }.joined(separator: " & ")
    }
}
