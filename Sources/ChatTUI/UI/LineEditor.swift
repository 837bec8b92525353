/// The input line: text with a cursor, edited like a shell prompt.
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

    public mutating func insert(_ character: Character) {
        self.characters.insert(character, at: self.cursor)
        self.cursor += 1
    }

    public mutating func insert(_ text: String) {
        for character in text { self.insert(character) }
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
    public mutating func home() { self.cursor = 0 }
    public mutating func end() { self.cursor = self.characters.count }

    /// Ctrl-U: deletes from the start of the line to the cursor.
    public mutating func killToStart() {
        self.characters.removeSubrange(0..<self.cursor)
        self.cursor = 0
    }

    /// Ctrl-K: deletes from the cursor to the end of the line.
    public mutating func killToEnd() {
        self.characters.removeSubrange(self.cursor...)
    }

    /// Ctrl-W: deletes the word before the cursor.
    public mutating func deleteWord() {
        var start = self.cursor
        while start > 0, self.characters[start - 1] == " " { start -= 1 }
        while start > 0, self.characters[start - 1] != " " { start -= 1 }
        self.characters.removeSubrange(start..<self.cursor)
        self.cursor = start
    }

    public mutating func clear() {
        self.characters = []
        self.cursor = 0
    }

    /// The display column of the cursor.
    public var cursorColumn: Int { DisplayWidth.of(String(self.characters[0..<self.cursor])) }
}

/// Lines sent earlier, walked with Up and Down.
public struct InputHistory: Sendable, Hashable {
    public private(set) var entries: [String] = []
    private var position: Int?
    private var draft = ""
    public static let limit = 200

    public init() {}

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
