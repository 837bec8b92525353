import Foundation

/// How message text is cut into words for search, the same way on the server (both backends) and in clients.
///
/// A word is a run of letters, digits and combining marks. Scripts written without spaces (Chinese, Japanese
/// kana and kanji, and Korean syllables) have no word boundaries to find, so each of their characters is a word
/// of its own, and a query word in them becomes a phrase of its characters: `東京` finds `東京都` but not `京東`.
public enum SearchText {
    /// One word of a text, where it lies in the text's Unicode scalars.
    public struct Token: Sendable, Hashable {
        public var text: String
        /// The offset, in Unicode scalars (code points), of the word's first scalar.
        public var start: Int
        /// How many scalars the word spans.
        public var length: Int
        /// The form that matching compares: lower case, without diacritics.
        public var key: String { SearchText.key(self.text) }
    }

    /// The words of `text`, in order.
    public static func tokens(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var current = String.UnicodeScalarView()
        var start = 0
        func flush(at offset: Int) {
            if !current.isEmpty { tokens.append(Token(text: String(current), start: start, length: offset - start)) }
            current = String.UnicodeScalarView()
        }
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            if isUnspaced(scalar) {
                flush(at: offset)
                tokens.append(Token(text: String(scalar), start: offset, length: 1))
            } else if isWordScalar(scalar) {
                if current.isEmpty { start = offset }
                current.append(scalar)
            } else {
                flush(at: offset)
            }
        }
        flush(at: text.unicodeScalars.count)
        return tokens
    }

    /// The text that a search index is given: `text` with a space around each character of an unspaced script,
    /// so that the index's own tokenizer sees each of them as a word. Other text is returned as it is.
    public static func indexable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnspaced) else { return text }
        var spaced = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isUnspaced(scalar) {
                spaced.append(" ")
                spaced.append(scalar)
                spaced.append(" ")
            } else {
                spaced.append(scalar)
            }
        }
        return String(spaced)
    }

    /// Lower case without diacritics: `Élan` and `elan` compare equal, as the SQLite index compares them.
    public static func key(_ word: String) -> String {
        // Most words are ASCII, where folding is lower-casing: skip Foundation's Unicode folding for them.
        word.utf8.allSatisfy { $0 < 0x80 } ? word.lowercased() : word.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }

    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark, .enclosingMark, .privateUse:
            return true
        default:
            return false
        }
    }

    /// Characters of scripts written without spaces between words: kana, CJK ideographs and Hangul syllables.
    /// The PostgreSQL index names the same ranges (``SearchText/unspacedRanges``).
    static func isUnspaced(_ scalar: Unicode.Scalar) -> Bool {
        unspacedRanges.contains { $0.contains(scalar.value) }
    }

    /// The code point ranges of ``isUnspaced(_:)``.
    public static let unspacedRanges: [ClosedRange<UInt32>] = [
        0x3040...0x30FF,  // Hiragana, Katakana
        0x3400...0x4DBF,  // CJK Extension A
        0x4E00...0x9FFF,  // CJK Unified Ideographs
        0xAC00...0xD7AF,  // Hangul syllables
        0xF900...0xFAFF,  // CJK Compatibility Ideographs
        0x20000...0x2FFFF,  // CJK Extensions B and later
    ]
}
