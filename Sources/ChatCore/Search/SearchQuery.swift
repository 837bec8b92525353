/// A search as a user types it: words (all must match), `"a phrase"`, `-word` to exclude, and `wor*` for a prefix.
///
/// Nothing else has a meaning: every other character is text, and text that holds no word (punctuation, a lone
/// `*`) is dropped, so that no input can reach a search engine as syntax. Each backend renders the terms in its
/// own query language from the words alone.
public struct SearchQuery: Sendable, Hashable {
    /// One thing to find (or to exclude): its words must follow one another in the text.
    public struct Term: Sendable, Hashable {
        public var words: [String]
        /// The last word may be the beginning of a longer one.
        public var isPrefix: Bool
        /// The text must not contain it.
        public var isExcluded: Bool

        public init(words: [String], isPrefix: Bool, isExcluded: Bool) {
            self.words = words
            self.isPrefix = isPrefix
            self.isExcluded = isExcluded
        }
    }

    public static let maxLength = 256
    public static let maxTerms = 16

    public var terms: [Term]

    /// The terms that a hit must contain.
    public var required: [Term] { self.terms.filter { !$0.isExcluded } }
    /// The terms that a hit must not contain.
    public var excluded: [Term] { self.terms.filter(\.isExcluded) }
    /// Whether anything can match: a query of exclusions only, or of no words, finds nothing.
    public var canMatch: Bool { !self.required.isEmpty }

    public init(terms: [Term]) {
        self.terms = terms
    }

    /// Reads the user's text; never fails on the text itself (length and term limits are the caller's to check).
    public init(parsing text: String) {
        var terms: [Term] = []
        var rest = Substring(text)
        while let first = rest.first {
            if first.isWhitespace {
                rest.removeFirst()
                continue
            }
            var excluded = false
            if first == "-", let next = rest.dropFirst().first, !next.isWhitespace {
                excluded = true
                rest.removeFirst()
            }
            let raw: Substring
            var prefix = false
            if rest.first == "\"" {
                rest.removeFirst()
                let end = rest.firstIndex(of: "\"") ?? rest.endIndex
                raw = rest[..<end]
                rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
                prefix = rest.first == "*"
                if prefix { rest.removeFirst() }
            } else {
                let end = rest.firstIndex(where: \.isWhitespace) ?? rest.endIndex
                raw = rest[..<end]
                rest = rest[end...]
                prefix = raw.hasSuffix("*") && raw.dropLast().last.map { !$0.isWhitespace && $0 != "*" } == true
            }
            let words = SearchText.tokens(String(raw)).map(\.text)
            // A prefix of a lone ideograph is the ideograph itself: kana and ideographs are words of one character.
            if !words.isEmpty { terms.append(Term(words: words, isPrefix: prefix, isExcluded: excluded)) }
        }
        self.terms = terms
    }

    /// Whether `text` holds every required term and no excluded one, as the server's search decides (a client
    /// searching what it holds offline asks this).
    public func matches(_ text: String) -> Bool {
        guard self.canMatch else { return false }
        let keys = SearchText.tokens(text).map(\.key)
        return self.required.allSatisfy { !Self.starts(of: $0, in: keys).isEmpty }
            && !self.excluded.contains { !Self.starts(of: $0, in: keys).isEmpty }
    }

    /// Where the required terms occur in `text`: ranges of Unicode scalars, in order, overlaps merged.
    public func highlights(in text: String) -> [TextRange] {
        let tokens = SearchText.tokens(text)
        let keys = tokens.map(\.key)
        var ranges: [TextRange] = []
        for term in self.required {
            for start in Self.starts(of: term, in: keys) {
                let first = tokens[start]
                let last = tokens[start + term.words.count - 1]
                ranges.append(TextRange(start: first.start, length: last.start + last.length - first.start))
            }
        }
        return TextRange.merged(ranges)
    }

    /// The indexes in `keys` (a text's word keys) where `term` begins.
    private static func starts(of term: Term, in keys: [String]) -> [Int] {
        let wanted = term.words.map(SearchText.key)
        guard !wanted.isEmpty, wanted.count <= keys.count else { return [] }
        return (0...(keys.count - wanted.count)).filter { start in
            wanted.indices.allSatisfy { index in
                let key = keys[start + index]
                return term.isPrefix && index == wanted.count - 1 ? key.hasPrefix(wanted[index]) : key == wanted[index]
            }
        }
    }
}
