/// The composer's text with a cursor, edited like a shell prompt; it may hold several lines.
///
/// Text is kept as grapheme clusters (`Character`): an emoji typed as several code points (a ZWJ sequence, a
/// skin tone) merges into one character, which the cursor and Backspace treat as one.
public struct LineEditor: Sendable, Hashable {
    public private(set) var characters: [Character] = []
    /// Index of the character the cursor is before.
    public private(set) var cursor = 0

    public init(_ text: String = "") {
        self.characters = Array(text)
        self.cursor = self.characters.count
    }

    public var text: String { String(self.characters) }
    public var isEmpty: Bool { self.characters.isEmpty }
    /// Whether the text holds more than one line.
    public var isMultiline: Bool { self.characters.contains("\n") }

    public mutating func insert(_ character: Character) {
        self.insert(String(character))
    }

    /// Inserts `text` at the cursor; code points that join what is before the cursor merge into its cluster.
    public mutating func insert(_ text: String) {
        let before = String(self.characters[..<self.cursor]) + text
        let merged = Array(before + String(self.characters[self.cursor...]))
        self.cursor = min(Array(before).count, merged.count)
        self.characters = merged
    }

    public mutating func backspace() {
        guard self.cursor > 0 else { return }
        self.cursor -= 1
        self.characters.remove(at: self.cursor)
    }

    public mutating func deleteForward() {
        guard self.cursor < self.characters.count else { return }
        self.characters.remove(at: self.cursor)
    }

    public mutating func left() { self.cursor = max(0, self.cursor - 1) }
    public mutating func right() { self.cursor = min(self.characters.count, self.cursor + 1) }
    /// To the start of the cursor's line.
    public mutating func home() { self.cursor = self.lineStart }
    /// To the end of the cursor's line.
    public mutating func end() { self.cursor = self.lineEnd }

    /// Moves to the line above, at the same column or the nearest; false on the first line.
    public mutating func up() -> Bool {
        let start = self.lineStart
        guard start > 0 else { return false }
        let column = DisplayWidth.of(String(self.characters[start..<self.cursor]))
        let previousStart = self.characters[..<(start - 1)].lastIndex(of: "\n").map { $0 + 1 } ?? 0
        self.cursor = Self.index(atColumn: column, in: self.characters, from: previousStart, to: start - 1)
        return true
    }

    /// Moves to the line below, at the same column or the nearest; false on the last line.
    public mutating func down() -> Bool {
        let end = self.lineEnd
        guard end < self.characters.count else { return false }
        let column = DisplayWidth.of(String(self.characters[self.lineStart..<self.cursor]))
        let nextEnd = self.characters[(end + 1)...].firstIndex(of: "\n") ?? self.characters.count
        self.cursor = Self.index(atColumn: column, in: self.characters, from: end + 1, to: nextEnd)
        return true
    }

    /// Ctrl-U: deletes from the start of the line to the cursor.
    public mutating func killToStart() {
        let start = self.lineStart
        self.characters.removeSubrange(start..<self.cursor)
        self.cursor = start
    }

    /// Ctrl-K: deletes from the cursor to the end of the line.
    public mutating func killToEnd() {
        self.characters.removeSubrange(self.cursor..<self.lineEnd)
    }

    /// Ctrl-W: deletes the word before the cursor.
    public mutating func deleteWord() {
        var start = self.cursor
        while start > 0, self.characters[start - 1].isWhitespace { start -= 1 }
        while start > 0, !self.characters[start - 1].isWhitespace { start -= 1 }
        self.characters.removeSubrange(start..<self.cursor)
        self.cursor = start
    }

    /// Replaces the characters in `range` with `text` and puts the cursor after it.
    public mutating func replace(_ range: Range<Int>, with text: String) {
        self.characters.replaceSubrange(range, with: Array(text))
        self.cursor = range.lowerBound + Array(text).count
    }

    public mutating func clear() {
        self.characters = []
        self.cursor = 0
    }

    /// Where the cursor's line starts and ends (before its newline).
    private var lineStart: Int { self.characters[..<self.cursor].lastIndex(of: "\n").map { $0 + 1 } ?? 0 }
    private var lineEnd: Int { self.characters[self.cursor...].firstIndex(of: "\n") ?? self.characters.count }

    /// The index in `start..<end` whose column is nearest to `column` without passing it.
    private static func index(atColumn column: Int, in characters: [Character], from start: Int, to end: Int) -> Int {
        var used = 0
        var index = start
        while index < end {
            let width = DisplayWidth.of(characters[index])
            if used + width > column { break }
            used += width
            index += 1
        }
        return index
    }

    /// The display column of the cursor on a single line.
    public var cursorColumn: Int { DisplayWidth.of(String(self.characters[0..<self.cursor])) }
}

/// Lines sent earlier, walked with Up and Down.
public struct InputHistory: Sendable, Hashable {
    public private(set) var entries: [String] = []
    private var position: Int?
    private var draft = ""
    public static let limit = 200

    public init(entries: [String] = []) {
        self.entries = Array(entries.suffix(Self.limit))
    }

    public mutating func record(_ line: String) {
        if self.entries.last != line { self.entries.append(line) }
        if self.entries.count > Self.limit { self.entries.removeFirst(self.entries.count - Self.limit) }
        self.position = nil
    }

    /// The previous entry, keeping `current` to come back to.
    public mutating func previous(current: String) -> String? {
        guard !self.entries.isEmpty else { return nil }
        if self.position == nil { self.draft = current }
        let next = max(0, (self.position ?? self.entries.count) - 1)
        self.position = next
        return self.entries[next]
    }

    /// The next entry, or the draft after the last one.
    public mutating func next() -> String? {
        guard let position = self.position else { return nil }
        if position + 1 >= self.entries.count {
            self.position = nil
            return self.draft
        }
        self.position = position + 1
        return self.entries[position + 1]
    }
}
