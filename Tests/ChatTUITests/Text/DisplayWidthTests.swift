import Testing

@testable import ChatTUI

@Suite("Display widths, wrapping and the cell grid")
struct DisplayWidthTests {
    @Test("ASCII is 1 column, CJK and emoji 2, combining marks 0")
    func widths() {
        #expect(DisplayWidth.of("abc") == 3)
        #expect(DisplayWidth.of("漢字") == 4)
        #expect(DisplayWidth.of("한국어") == 6)
        #expect(DisplayWidth.of("😀👍") == 4)
        #expect(DisplayWidth.of("e\u{301}") == 1)
        #expect(DisplayWidth.of("ｆｕｌｌ") == 8)
    }

    @Test("a grapheme cluster takes the columns ncurses gives it: the sum of wcwidth over its code points")
    func clusters() {
        #expect(DisplayWidth.of("👩‍💻" as Character) == 4, "woman, joiner, laptop: 2 + 0 + 2")
        #expect(DisplayWidth.of("👍🏽" as Character) == 4, "thumbs up and a skin tone: 2 + 2")
        #expect(DisplayWidth.of("❤️" as Character) == 1, "a text-style heart and the emoji selector: 1 + 0")
        #expect(DisplayWidth.of("🇺🇸" as Character) == 2, "two regional indicators: 1 + 1")
        #expect(DisplayWidth.of("é" as Character) == 1)
        var grid = CellGrid(width: 12, height: 1)
        #expect(grid.put("a👩‍💻b", x: 0, y: 0) == 6)
        #expect((2...4).allSatisfy { grid[$0, 0].isContinuation })
        #expect(grid[5, 0].character == "b")
        grid.put("x", x: 3, y: 0)
        #expect(grid.lines == ["a  x b"], "writing into the middle of a wide cluster blanks the whole of it")
    }

    @Test("wrapping breaks at spaces, and inside words or between wide characters when it must")
    func wrap() {
        #expect(DisplayWidth.wrap("the quick brown fox", width: 10) == ["the quick", "brown fox"])
        #expect(DisplayWidth.wrap("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
        #expect(DisplayWidth.wrap("漢字漢字漢", width: 5) == ["漢字", "漢字", "漢"])
        #expect(DisplayWidth.wrap("a\nb", width: 5) == ["a", "b"])
        for line in DisplayWidth.wrap("😀 漢字 mixed text 😀😀😀😀", width: 7) { #expect(DisplayWidth.of(line) <= 7) }
    }

    @Test("truncation keeps the width and marks the cut")
    func truncate() {
        #expect(DisplayWidth.truncate("Book club", to: 20) == "Book club")
        #expect(DisplayWidth.truncate("Book club", to: 5) == "Book…")
        #expect(DisplayWidth.truncate("漢字漢字", to: 5) == "漢字…")
    }

    @Test("a wide character takes two cells, and is never cut in half at the edge")
    func grid() {
        var grid = CellGrid(width: 5, height: 1)
        let end = grid.put("a漢b", x: 0, y: 0)
        #expect(end == 4)
        #expect(grid[1, 0].character == "漢")
        #expect(grid[2, 0].isContinuation)
        #expect(grid.lines == ["a漢b"])
        var clipped = CellGrid(width: 4, height: 1)
        clipped.put("abc漢", x: 0, y: 0)
        #expect(clipped.lines == ["abc"])
        // Overwriting half of a wide character blanks the other half.
        grid.put("x", x: 2, y: 0)
        #expect(grid.lines == ["a x b".replacingOccurrences(of: "x b", with: "xb")])
    }
}
