import Foundation

/// Text from other people, made safe to print to a terminal (chat-tui's screen, `chat-server admin`'s output):
/// control characters (escape sequences above all) become visible `^X` forms, and tabs become spaces.
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
                if scalar.value < 0x20 || scalar.value == 0x7F {
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
}
