/// A key press, decoded from the terminal.
public enum Key: Sendable, Hashable {
    case character(Character)
    case enter
    case backspace
    case delete
    case left, right, up, down
    case home, end
    case pageUp, pageDown
    case tab, backTab
    case escape
    /// Ctrl and a letter (lower case).
    case control(Character)
    /// Alt (Meta) and a character.
    case alt(Character)
}
