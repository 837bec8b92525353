/// Where a scrolled-back message pane rests: the line at its bottom, named by the message it belongs to and
/// which of that message's lines it is. New messages below, or older ones loaded above, do not move it.
public struct ScrollAnchor: Sendable, Hashable {
    /// The ``StyledLine/key`` of the bottom line's message (or marker).
    public var key: String
    /// Which of that message's lines (0 for its first).
    public var line: Int

    public init(key: String, line: Int) {
        self.key = key
        self.line = line
    }

    /// One past the index of the pane's bottom line in `lines`: the end of `lines` when following the newest
    /// message, or when the anchored message is gone.
    public static func end(of lines: [StyledLine], anchor: ScrollAnchor?) -> Int {
        guard let anchor, let first = lines.firstIndex(where: { $0.key == anchor.key }) else { return lines.count }
        let count = lines[first...].prefix { $0.key == anchor.key }.count
        return first + min(anchor.line, count - 1) + 1
    }

    /// The anchor for a pane whose bottom line is `lines[end - 1]`; nil at the very bottom.
    public static func at(_ end: Int, in lines: [StyledLine]) -> ScrollAnchor? {
        guard end < lines.count, end > 0, let key = lines[end - 1].key else { return nil }
        let first = lines[..<end].lastIndex { $0.key != key }.map { $0 + 1 } ?? 0
        return ScrollAnchor(key: key, line: end - 1 - first)
    }

    /// How many messages lie below the pane's bottom line.
    public static func messagesBelow(_ end: Int, in lines: [StyledLine]) -> Int {
        guard end < lines.count else { return 0 }
        var keys = Set<String>()
        for line in lines[end...] {
            if let key = line.key, key.hasPrefix(StyledLine.messagePrefix), line.key != lines[end - 1].key { keys.insert(key) }
        }
        return keys.count
    }
}
