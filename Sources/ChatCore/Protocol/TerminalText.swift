import Foundation

/// Text from other people, made safe to print to a terminal (chat-tui's screen, `chat-server admin`'s output):
/// control characters (escape sequences above all) become visible `^X` forms, bidirectional overrides and
/// isolates (which can make a line read backwards, or hide what follows) become `<U+202E>` forms, and tabs
/// become spaces.
public enum TerminalText {
    /// One line of server text (a name, an id): sanitised, with any line break as a space.
    public static func line(_ text: String) -> String {
        self.sanitize(text).replacingOccurrences(of: "\n", with: " ")
    }

    public static func sanitize(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result.unicodeScalars.append(scalar)
            case "\t": result += "    "
            case "\r": continue
            default:
                if Self.bidiControls.contains(scalar.value) {
                    result += "<U+" + String(scalar.value, radix: 16, uppercase: true) + ">"
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    result += "^" + String(Unicode.Scalar(UInt8(scalar.value ^ 0x40)))
                } else if (0x80...0x9F).contains(scalar.value) || scalar.properties.generalCategory == .control {
                    result += "\u{FFFD}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    /// The bidirectional formatting characters: marks, embeddings, overrides and isolates.
    static let bidiControls: Set<UInt32> = [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
}
