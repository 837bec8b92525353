/// How many terminal columns text takes: 2 for East Asian wide characters and emoji, 0 for combining marks,
/// 1 otherwise. A grapheme cluster takes the width of its first scalar, as `wcwidth`-based terminals
/// (tmux, xterm) draw it.
public enum DisplayWidth {
    /// Columns for one grapheme cluster.
    public static func of(_ character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        return self.of(first)
    }

    /// Columns for one scalar.
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x7F { return value < 0x20 ? 0 : 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control: return 0
        default: break
        }
        if scalar.properties.isEmojiPresentation || Self.isWide(value) { return 2 }
        return 1
    }

    /// Columns for a string.
    public static func of(_ text: some StringProtocol) -> Int {
        text.reduce(0) { $0 + self.of($1) }
    }

    /// The longest prefix of `text` that fits in `width` columns, with `…` when something was cut.
    public static func truncate(_ text: String, to width: Int) -> String {
        guard self.of(text) > width else { return text }
        guard width > 0 else { return "" }
        var result = ""
        var used = 0
        for character in text {
            let next = self.of(character)
            if used + next > width - 1 { break }
            result.append(character)
            used += next
        }
        return result + "…"
    }

    /// `text` followed by spaces up to `width` columns.
    public static func pad(_ text: String, to width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - self.of(text)))
    }

    /// Splits `text` into lines of at most `width` columns, breaking at spaces where possible and inside
    /// words (or between wide characters) where not. Newlines in `text` start new lines.
    public static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var lineWidth = 0
            var lastSpace: String.Index?
            for character in paragraph {
                let charWidth = self.of(character)
                if lineWidth + charWidth > width {
                    if let space = lastSpace, character != " " {
                        // Move the unfinished word to the next line.
                        let rest = String(line[line.index(after: space)...])
                        lines.append(String(line[..<space]))
                        line = rest
                        lineWidth = self.of(rest)
                    } else {
                        lines.append(line)
                        line = ""
                        lineWidth = 0
                    }
                    lastSpace = nil
                    if character == " " { continue }
                }
                if character == " " { lastSpace = line.endIndex }
                line.append(character)
                lineWidth += charWidth
            }
            lines.append(line)
        }
        return lines
    }

    private static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x17000...0x18AFF, 0x1B000...0x1B2FF, 0x1F300...0x1F64F,
            0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            true
        default:
            false
        }
    }
}
