/// What the terminal layer reads: a character, or an ncurses function-key code.
public enum RawInput: Sendable, Hashable {
    case character(UInt32)
    case function(Int32)
    /// A mouse wheel step, up or down.
    case wheel(up: Bool)
}

/// Turns raw terminal input into ``Key``s. Pure, so that the mapping is testable without a terminal.
///
/// ESC followed at once by a character is Alt+character, as terminals send Meta. Escape sequences that ncurses
/// does not know arrive as plain characters and are decoded here: bracketed paste (`ESC[200~` … `ESC[201~`,
/// which may span several reads), and xterm's Alt-arrows (`ESC[1;3C`).
public struct KeyDecoder: Sendable {
    /// ncurses key codes (octal in curses.h).
    enum Code {
        static let down: Int32 = 0o402
        static let up: Int32 = 0o403
        static let left: Int32 = 0o404
        static let right: Int32 = 0o405
        static let home: Int32 = 0o406
        static let backspace: Int32 = 0o407
        static let delete: Int32 = 0o512
        static let pageDown: Int32 = 0o522
        static let pageUp: Int32 = 0o523
        static let enter: Int32 = 0o527
        static let backTab: Int32 = 0o541
        static let end: Int32 = 0o550
        static let resize: Int32 = 0o632
        static let mouse: Int32 = 0o631
    }

    /// Sequences after ESC that are keys of their own.
    static let sequences: [String: Key] = [
        "[1;3C": .altRight, "[1;3D": .altLeft, "[1;3A": .altUp, "[1;3B": .altDown, "[1;3F": .altEnd, "[4;3~": .altEnd, "[8;3~": .altEnd,
    ]
    static let pasteStart = "[200~"
    static let pasteEnd = "[201~"

    /// Extended ncurses codes (`key_defined`) for keys that terminfo names, such as Alt-Right (`kRIT3`).
    private let extended: [Int32: Key]
    /// The text of a paste still open at the end of the last read.
    private var paste: String?

    public init(extended: [Int32: Key] = [:]) {
        self.extended = extended
    }

    /// The keys in one read, with no state carried over.
    public static func decode(_ inputs: [RawInput]) -> [Key] {
        var decoder = KeyDecoder()
        return decoder.decode(inputs)
    }

    /// The keys in a burst of input read together.
    public mutating func decode(_ inputs: [RawInput]) -> [Key] {
        var keys: [Key] = []
        var index = 0
        while index < inputs.count {
            if self.paste != nil {
                index = self.continuePaste(inputs, from: index, into: &keys)
                continue
            }
            switch inputs[index] {
            case .character(27):
                index = self.escape(inputs, at: index, into: &keys)
                continue
            case .character(let value):
                if let key = Self.key(forCharacter: value) { keys.append(key) }
            case .function(let code):
                if let key = Self.key(forFunction: code) ?? self.extended[code] { keys.append(key) }
            case .wheel(let up):
                keys.append(up ? .wheelUp : .wheelDown)
            }
            index += 1
        }
        return keys
    }

    /// Decodes what starts with ESC at `index`; returns the index after it.
    private mutating func escape(_ inputs: [RawInput], at index: Int, into keys: inout [Key]) -> Int {
        let following = Self.text(inputs, from: index + 1, limit: 6)
        if following.hasPrefix(Self.pasteStart) {
            self.paste = ""
            return index + 1 + Self.pasteStart.count
        }
        for (sequence, key) in Self.sequences where following.hasPrefix(sequence) {
            keys.append(key)
            return index + 1 + sequence.count
        }
        guard index + 1 < inputs.count else {
            keys.append(.escape)
            return index + 1
        }
        switch inputs[index + 1] {
        case .character(13), .character(10):
            keys.append(.altEnter)
        case .character(let next) where next >= 0x20 && next != 0x7F:
            guard let scalar = Unicode.Scalar(next) else { return index + 2 }
            keys.append(.alt(Character(scalar)))
        case .function(Code.enter): keys.append(.altEnter)
        case .function(Code.left): keys.append(.altLeft)
        case .function(Code.right): keys.append(.altRight)
        case .function(Code.up): keys.append(.altUp)
        case .function(Code.down): keys.append(.altDown)
        case .function(Code.end): keys.append(.altEnd)
        default:
            keys.append(.escape)
            return index + 1
        }
        return index + 2
    }

    /// Adds the paste's characters from `index` until its end marker; returns the index after what it used.
    private mutating func continuePaste(_ inputs: [RawInput], from start: Int, into keys: inout [Key]) -> Int {
        var text = self.paste ?? ""
        var index = start
        while index < inputs.count {
            if case .character(27) = inputs[index], Self.text(inputs, from: index + 1, limit: 5) == Self.pasteEnd {
                self.paste = nil
                keys.append(.paste(Self.normalizedLineEnds(text)))
                return index + 1 + Self.pasteEnd.count
            }
            switch inputs[index] {
            case .character(9): text.append("\t")
            case .character(10): text.append("\n")
            case .character(13): text.append("\r")
            case .character(let value) where value >= 0x20 && value != 0x7F:
                if let scalar = Unicode.Scalar(value) { text.unicodeScalars.append(scalar) }
            case .function(Code.enter): text.append("\n")
            default: break  // other control characters and keys inside a paste are dropped
            }
            index += 1
        }
        self.paste = text
        return index
    }

    /// A paste's line ends (CR, LF, CR LF) as single newlines.
    static func normalizedLineEnds(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }

    /// Up to `limit` plain characters from `start`, as text (stops at a function key).
    private static func text(_ inputs: [RawInput], from start: Int, limit: Int) -> String {
        var text = ""
        var index = start
        while index < inputs.count, index < start + limit, case .character(let value) = inputs[index], let scalar = Unicode.Scalar(value) {
            text.unicodeScalars.append(scalar)
            index += 1
        }
        return text
    }

    static func key(forCharacter value: UInt32) -> Key? {
        switch value {
        case 9: return .tab
        case 13: return .enter
        case 10: return .control("j")
        case 8, 127: return .backspace
        case 1...26: return .control(Character(Unicode.Scalar(UInt8(value + 96))))
        case 0..<32: return nil
        default: return Unicode.Scalar(value).map { .character(Character($0)) }
        }
    }

    static func key(forFunction code: Int32) -> Key? {
        switch code {
        case Code.down: .down
        case Code.up: .up
        case Code.left: .left
        case Code.right: .right
        case Code.home: .home
        case Code.end: .end
        case Code.backspace: .backspace
        case Code.delete: .delete
        case Code.pageDown: .pageDown
        case Code.pageUp: .pageUp
        case Code.enter: .enter
        case Code.backTab: .backTab
        default: nil
        }
    }
}
