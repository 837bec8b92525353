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
    /// Ctrl and a letter (lower case). Ctrl-J (a line feed) is `.control("j")`, apart from Enter.
    case control(Character)
    /// Alt (Meta) and a character.
    case alt(Character)
    /// Alt with a named key: Alt-Enter, Alt-arrows, Alt-End.
    case altEnter, altLeft, altRight, altUp, altDown, altEnd
    /// A bracketed paste, whole: never keys, never a command.
    case paste(String)
    /// The mouse wheel, where the terminal reports it.
    case wheelUp, wheelDown
}
