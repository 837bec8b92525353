/// What the terminal layer reads: a character, or an ncurses function-key code.
public enum RawInput: Sendable, Hashable {
    case character(UInt32)
    case function(Int32)
}

/// Turns raw terminal input into ``Key``s. ESC followed at once by a character is Alt+character, as
/// terminals send Meta. Pure, so that the mapping is testable without a terminal.
public enum KeyDecoder {
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
    }

    /// The keys in a burst of input read together.
    public static func decode(_ inputs: [RawInput]) -> [Key] {
        var keys: [Key] = []
        var index = 0
        while index < inputs.count {
            switch inputs[index] {
            case .character(27):
                if index + 1 < inputs.count, case .character(let next) = inputs[index + 1], next >= 0x20, next != 0x7F,
                    let scalar = Unicode.Scalar(next)
                {
                    keys.append(.alt(Character(scalar)))
                    index += 1
                } else {
                    keys.append(.escape)
                }
            case .character(let value):
                if let key = self.key(forCharacter: value) { keys.append(key) }
            case .function(let code):
                if let key = self.key(forFunction: code) { keys.append(key) }
            }
            index += 1
        }
        return keys
    }

    static func key(forCharacter value: UInt32) -> Key? {
        switch value {
        case 9: return .tab
        case 10, 13: return .enter
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
