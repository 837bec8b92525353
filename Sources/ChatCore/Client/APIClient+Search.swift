/// Full-text search.
extension APIClient {
    /// One page of the messages that `query` finds in the user's groups (in `groupID` alone if given), newest first.
    public func search(_ query: String, groupID: String? = nil, cursor: String? = nil, limit: Int = 20) async throws(APIError) -> SearchPage {
        var path = "/search?q=\(Self.escapeSegment(query))&limit=\(limit)"
        if let groupID { path += "&group=\(Self.escapeSegment(groupID))" }
        if let cursor { path += "&cursor=\(Self.escapeSegment(cursor))" }
        return try await self.call(.GET, path)
    }
}
