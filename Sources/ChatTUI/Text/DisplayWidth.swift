import CNcursesw
import Foundation

/// How many terminal columns text takes, as ncurses lays it out: each code point takes the C library's
/// `wcwidth` under a UTF-8 locale (2 for East Asian wide characters and most emoji, 0 for combining marks,
/// joiners and variation selectors), and a grapheme cluster takes the sum. So a ZWJ sequence or a skin tone
/// takes what ncurses gives it, and nothing after it drifts.
public enum DisplayWidth {
    /// Columns for one grapheme cluster.
    public static func of(_ character: Character) -> Int {
        if character.utf8.count == 1 { return self.of(character.unicodeScalars.first!) }
        return character.unicodeScalars.reduce(0) { $0 + self.of($1) }
    }

    /// Columns for one scalar.
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x7F { return value < 0x20 ? 0 : 1 }
        if let table = WidthTable.shared { return table.width(value) }
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

/// `wcwidth` for every code point, read once from the C library under `C.UTF-8` (on the reading thread only, so
/// the process's locale is left alone), as runs of code points whose width is not 1.
struct WidthTable: Sendable {
    private let starts: [UInt32]
    private let ends: [UInt32]
    private let widths: [UInt8]

    /// nil where the C library has no UTF-8 locale; the built-in approximation is used then.
    static let shared: WidthTable? = WidthTable()

    private init?() {
        guard let locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil) else { return nil }
        let previous = uselocale(locale)
        defer {
            uselocale(previous)
            freelocale(locale)
        }
        var starts: [UInt32] = []
        var ends: [UInt32] = []
        var widths: [UInt8] = []
        var value: UInt32 = 0x7F
        while value <= 0x10FFFF {
            if (0xD800...0xDFFF).contains(value) {
                value = 0xE000
                continue
            }
            let width = UInt8(max(0, min(2, Int(cn_wcwidth(wchar_t(value))))))
            if width != 1 {
                if let last = ends.last, last == value - 1, widths.last == width {
                    ends[ends.count - 1] = value
                } else {
                    starts.append(value)
                    ends.append(value)
                    widths.append(width)
                }
            }
            value += 1
        }
        // A C library without wide-character data gives nothing wide: use the approximation instead.
        guard widths.contains(2) else { return nil }
        self.starts = starts
        self.ends = ends
        self.widths = widths
    }

    func width(_ value: UInt32) -> Int {
        var low = 0
        var high = self.starts.count - 1
        while low <= high {
            let middle = (low + high) / 2
            if value < self.starts[middle] {
                high = middle - 1
            } else if value > self.ends[middle] {
                low = middle + 1
            } else {
                return Int(self.widths[middle])
            }
        }
        return 1
    }
}
