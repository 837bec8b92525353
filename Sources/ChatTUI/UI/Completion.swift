/// Tab completion of the word before the cursor: a `/command` at the start of the composer, or an `@name` of
/// the group's members. Repeated Tabs cycle through the candidates (Shift-Tab backwards).
public struct Completion: Sendable, Hashable {
    /// Where the completed word starts in the composer's characters.
    public var start: Int
    /// The candidates, each a whole replacement for the word (with its `/` or `@`).
    public var candidates: [String]
    /// The candidate shown now.
    public var index: Int

    /// The commands Tab offers.
    public static let commands = [
        "/ban", "/buffer", "/create", "/delete", "/deop", "/edit", "/help", "/invite", "/join", "/kick", "/leave", "/members", "/move", "/op",
        "/quit", "/react", "/rename", "/reply", "/requests", "/search", "/set", "/transfer", "/unban",
    ]

    /// A completion of the word that ends at the cursor, or nil when nothing matches.
    public static func start(in editor: LineEditor, names: [String]) -> Completion? {
        let (start, word) = self.word(before: editor)
        let candidates: [String]
        if word.hasPrefix("/"), start == 0 {
            candidates = Self.commands.filter { $0.hasPrefix(word.lowercased()) }
        } else if word.hasPrefix("@") {
            let typed = word.dropFirst().lowercased()
            var seen = Set<String>()
            candidates = names.filter { $0.lowercased().hasPrefix(typed) && seen.insert($0.lowercased()).inserted }
                .sorted { $0.lowercased() < $1.lowercased() }.map { "@" + $0 }
        } else {
            return nil
        }
        guard !candidates.isEmpty else { return nil }
        return Completion(start: start, candidates: candidates, index: 0)
    }

    /// The word that ends at the cursor, and where it starts.
    static func word(before editor: LineEditor) -> (start: Int, word: String) {
        var start = editor.cursor
        while start > 0, !editor.characters[start - 1].isWhitespace { start -= 1 }
        return (start, String(editor.characters[start..<editor.cursor]))
    }

    /// The text that replaces the word: the candidate and a space.
    public var replacement: String { self.candidates[self.index] + " " }

    /// The next (or previous) candidate.
    public mutating func cycle(by offset: Int) {
        self.index = ((self.index + offset) % self.candidates.count + self.candidates.count) % self.candidates.count
    }
}
