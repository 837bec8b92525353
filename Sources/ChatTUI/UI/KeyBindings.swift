/// Every key and command of the chat screen, in one place: `/help` draws these, and the README's table holds
/// the same rows (a test compares them).
public enum KeyBindings {
    public struct Entry: Sendable, Hashable {
        public var keys: String
        public var action: String
    }

    public static let commands: [Entry] = [
        Entry(keys: "/create NAME", action: "create a group"),
        Entry(keys: "/join TOKEN_OR_URL", action: "join a group by invite"),
        Entry(keys: "/invite [HOURS] [USES] [--approval]", action: "show an invite as a QR code; --approval: joining asks an admin first"),
        Entry(keys: "/members", action: "the group's members, with role and presence (● online, ○ last seen); ↑↓ scroll"),
        Entry(keys: "/search TEXT", action: "search your groups: ↑↓ select, Enter jumps to the message"),
        Entry(keys: "/requests", action: "join requests waiting: ↑↓ select, a approves, d denies"),
        Entry(keys: "/leave", action: "leave the group on screen (also /part)"),
        Entry(keys: "/kick NAME", action: "remove a member (owner or admin)"),
        Entry(keys: "/ban NAME [REASON]", action: "remove and keep out; a NAME with spaces: /ban FULL NAME -- REASON"),
        Entry(keys: "/unban NAME", action: "lift a ban"),
        Entry(keys: "/op NAME, /deop NAME", action: "make a member an admin, or a member again (owner)"),
        Entry(keys: "/transfer NAME", action: "give the group to a member; you stay an admin (owner)"),
        Entry(keys: "/rename NEW NAME", action: "rename the group (owner or admin)"),
        Entry(keys: "/buffer N", action: "show group number N (also /b N)"),
        Entry(keys: "/move N", action: "give this group number N; the others keep their order"),
        Entry(keys: "/set bell on|off", action: "ring the bell on mentions elsewhere, or not"),
        Entry(keys: "/edit [TEXT]", action: "edit the selected (or your last) message; without TEXT, in the composer"),
        Entry(keys: "/delete", action: "delete the selected (or your last) message, after a confirm"),
        Entry(keys: "/reply [TEXT]", action: "answer the selected (or newest) message; without TEXT, Enter does"),
        Entry(keys: "/react EMOJI", action: "add or take back your reaction on the selected (or newest) message"),
        Entry(keys: "/help", action: "this help"),
        Entry(keys: "/quit", action: "leave (also Ctrl-C, or Ctrl-D on an empty composer)"),
        Entry(keys: "//text", action: "send text that starts with /"),
    ]

    public static let keys: [Entry] = [
        Entry(keys: "Enter", action: "send the composer (all its lines, as one message)"),
        Entry(keys: "Alt-Enter, Ctrl-J", action: "new line in the composer"),
        Entry(keys: "Ctrl-X Ctrl-E", action: "edit the composer in $EDITOR"),
        Entry(keys: "Tab, Shift-Tab", action: "complete /command or @name; again: next, previous"),
        Entry(keys: "Up, Down", action: "move between composer lines; past the ends: this group's history"),
        Entry(keys: "Up on an empty composer", action: "edit your last message (Esc cancels)"),
        Entry(keys: "Alt-Up, Alt-Down", action: "select a message for the commands above (Esc leaves it)"),
        Entry(keys: "Ctrl-N, Ctrl-P", action: "next, previous group (also Alt-Right, Alt-Left)"),
        Entry(keys: "Alt-1…9, Alt-0", action: "group 1…9, 10"),
        Entry(keys: "PgUp, PgDn", action: "scroll; PgUp at the top loads older messages"),
        Entry(keys: "Mouse wheel", action: "scroll three lines"),
        Entry(keys: "End, Alt-End", action: "back to the newest message"),
        Entry(keys: "Ctrl-A, Ctrl-E", action: "start, end of the line"),
        Entry(keys: "Ctrl-U, Ctrl-K, Ctrl-W", action: "delete to the start, to the end, the word before"),
        Entry(keys: "Ctrl-L", action: "redraw the screen"),
        Entry(keys: "Esc", action: "cancel an edit or a reply, leave the selection, close a panel"),
    ]

    /// The help panel's lines.
    public static var helpLines: [StyledLine] {
        let width = (self.commands + self.keys).map { DisplayWidth.of($0.keys) }.max() ?? 0
        func rows(_ entries: [Entry]) -> [StyledLine] {
            entries.map { StyledLine([.init(text: DisplayWidth.pad($0.keys, to: width + 2), style: .bold), .init(text: $0.action, style: .plain)]) }
        }
        return [StyledLine("Commands", style: .bold)] + rows(self.commands) + [StyledLine(""), StyledLine("Keys", style: .bold)] + rows(self.keys)
            + [StyledLine(""), StyledLine("Pastes never send: Enter does. Up/Down/PgUp/PgDn scroll this help; Esc closes.", style: .dim)]
    }
}
