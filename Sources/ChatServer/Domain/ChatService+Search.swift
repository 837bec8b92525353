import ChatCore

extension ChatService {
    /// A page of the caller's messages that match `text`, newest first, each with where it matched.
    func search(text: String, groupID: String?, cursor: SearchCursor?, limit: Int, as userID: String) async throws -> SearchPage {
        if let groupID, try await self.repository.role(of: userID, in: groupID) == nil { throw ChatError.groupNotFound }
        let query = SearchQuery(parsing: text)
        guard query.terms.count <= SearchQuery.maxTerms else {
            throw ChatError.invalid("invalid_query", "q may hold at most \(SearchQuery.maxTerms) words, phrases and exclusions.")
        }
        guard query.canMatch else { return SearchPage(hits: [], nextCursor: nil) }
        var results = try await self.repository.search(query, userID: userID, groupID: groupID, before: cursor, limit: limit + 1)
        let hasMore = results.count > limit
        if hasMore { results.removeLast() }
        let hits = results.map { SearchHit(message: $0.message, highlights: query.highlights(in: $0.message.text)) }
        return SearchPage(hits: hits, nextCursor: hasMore ? results.last.map { SearchCursor.encode($0.cursor) } : nil)
    }
}

extension SearchCursor {
    /// The opaque search cursor: base64url of `search:KEY:SEQ:GROUP_ID`.
    static func encode(_ cursor: SearchCursor) -> String {
        Base64URL.encode(Array("search:\(cursor.key):\(cursor.seq):\(cursor.groupID)".utf8))
    }

    static func decode(_ text: String) -> SearchCursor? {
        guard text.utf8.count <= 256, let bytes = Base64URL.decode(text), let decoded = String(validating: bytes, as: UTF8.self),
            decoded.hasPrefix("search:")
        else { return nil }
        let parts = decoded.dropFirst("search:".count).split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let key = Int64(parts[0]), let seq = Int64(parts[1]), !parts[2].isEmpty else { return nil }
        return SearchCursor(key: key, groupID: String(parts[2]), seq: seq)
    }
}
