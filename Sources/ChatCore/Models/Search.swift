/// A span of a message's text, in Unicode scalars (code points): `start` from the beginning, `length` long.
public struct TextRange: Codable, Sendable, Hashable {
    public var start: Int
    public var length: Int

    public init(start: Int, length: Int) {
        self.start = start
        self.length = length
    }

    /// The ranges sorted, with overlapping or touching ones joined.
    public static func merged(_ ranges: [TextRange]) -> [TextRange] {
        var merged: [TextRange] = []
        for range in ranges.sorted(by: { ($0.start, $0.length) < ($1.start, $1.length) }) {
            if let last = merged.last, range.start <= last.start + last.length {
                merged[merged.count - 1].length = max(last.length, range.start + range.length - last.start)
            } else {
                merged.append(range)
            }
        }
        return merged
    }
}

/// One message that a search found, with where its text matched.
public struct SearchHit: Codable, Sendable, Hashable {
    public var message: Message
    public var highlights: [TextRange]

    public init(message: Message, highlights: [TextRange]) {
        self.message = message
        self.highlights = highlights
    }
}

/// A page of search hits, newest first.
public struct SearchPage: Codable, Sendable, Hashable {
    public var hits: [SearchHit]
    /// Fetches the next (older) page, or `nil` when there is none.
    public var nextCursor: String?

    public init(hits: [SearchHit], nextCursor: String?) {
        self.hits = hits
        self.nextCursor = nextCursor
    }
}
