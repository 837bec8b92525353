import ChatCore
import Testing

@Suite("Search query syntax and highlights")
struct SearchQueryTests {
    typealias Term = SearchQuery.Term

    @Test("words, phrases, prefixes and exclusions")
    func parsing() {
        let query = SearchQuery(parsing: #"  deploy "the release" wor* -draft -"old notes" "#)
        #expect(
            query.terms == [
                Term(words: ["deploy"], isPrefix: false, isExcluded: false),
                Term(words: ["the", "release"], isPrefix: false, isExcluded: false),
                Term(words: ["wor"], isPrefix: true, isExcluded: false),
                Term(words: ["draft"], isPrefix: false, isExcluded: true),
                Term(words: ["old", "notes"], isPrefix: false, isExcluded: true),
            ]
        )
        #expect(query.canMatch)
        #expect(!SearchQuery(parsing: "-only -exclusions").canMatch)
    }

    @Test("everything else is text: punctuation splits words or is dropped, never syntax")
    func literalText() {
        #expect(SearchQuery(parsing: "NEAR(a b)").terms.map(\.words) == [["NEAR", "a"], ["b"]])
        #expect(SearchQuery(parsing: "user_id=42").terms.map(\.words) == [["user", "id", "42"]])
        #expect(SearchQuery(parsing: #"* " : - -- ( ) ^ {body}:"#).terms.map(\.words) == [["body"]])
        #expect(SearchQuery(parsing: "\"unclosed phrase").terms == [Term(words: ["unclosed", "phrase"], isPrefix: false, isExcluded: false)])
        #expect(SearchQuery(parsing: "a - b").terms.map(\.words) == [["a"], ["b"]])
        #expect(SearchQuery(parsing: "**").terms.isEmpty)
        #expect(SearchQuery(parsing: "\"ab\"*").terms == [Term(words: ["ab"], isPrefix: true, isExcluded: false)])
    }

    @Test("scripts without spaces are cut into characters, for the index and for the query")
    func unspacedScripts() {
        #expect(SearchText.indexable("東京に行く") == " 東  京  に  行  く ")
        #expect(SearchText.indexable("plain text") == "plain text")
        #expect(SearchQuery(parsing: "東京").terms.map(\.words) == [["東", "京"]])
        #expect(SearchQuery(parsing: "мир Καλημέρα").terms.map(\.words) == [["мир"], ["Καλημέρα"]])
    }

    @Test("highlights: case and accents ignored, whole words unless a prefix, offsets in code points, merged")
    func highlights() {
        let text = "Café 👍 CAFE cafeteria café-bar"
        #expect(
            SearchQuery(parsing: "cafe").highlights(in: text) == [
                TextRange(start: 0, length: 4), TextRange(start: 7, length: 4), TextRange(start: 22, length: 4),
            ]
        )
        #expect(SearchQuery(parsing: "caf*").highlights(in: text).count == 4)
        #expect(SearchQuery(parsing: "\"cafe bar\"").highlights(in: text) == [TextRange(start: 22, length: 8)])
        #expect(SearchQuery(parsing: "cafe -cafeteria").highlights(in: text).count == 3)
        #expect(SearchQuery(parsing: "東京").highlights(in: "ようこそ東京へ") == [TextRange(start: 4, length: 2)])
        #expect(SearchQuery(parsing: "a b").highlights(in: "a b c") == [TextRange(start: 0, length: 1), TextRange(start: 2, length: 1)])
        #expect(TextRange.merged([TextRange(start: 5, length: 3), TextRange(start: 0, length: 6)]) == [TextRange(start: 0, length: 8)])
    }
}
