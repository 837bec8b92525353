import ChatCore
import Foundation

/// The chat screen's keys: the composer (multi-line, history per group, completion, paste, `$EDITOR`), group
/// switching and scrolling.
extension AppModel {
    mutating func chatKey(_ key: Key) -> [AppEffect] {
        if case .confirmDelete = self.overlay { return self.confirmDeleteKey(key) }
        if case .requests(let panel) = self.overlay { return self.requestsKey(key, panel) }
        if case .search(let panel) = self.overlay { return self.searchKey(key, panel) }
        if self.overlay != nil {
            switch key {
            case .escape, .enter, .character("q"): self.overlay = nil
            case .down, .wheelDown: self.overlayScroll += 1
            case .up, .wheelUp: self.overlayScroll = max(0, self.overlayScroll - 1)
            case .pageDown: self.overlayScroll += max(1, self.height - 4)
            case .pageUp: self.overlayScroll = max(0, self.overlayScroll - max(1, self.height - 4))
            default: break
            }
            return []
        }
        if self.pendingPrefix {
            self.pendingPrefix = false
            if key == .control("e") { return [.openEditor(text: self.input.text)] }
        }
        if key != .tab, key != .backTab { self.completion = nil }
        switch key {
        case .escape:
            if !self.cancelMessageAction() { self.status = nil }
        case .altUp:
            self.moveSelection(by: -1)
        case .altDown:
            self.moveSelection(by: 1)
        case .tab:
            return self.complete(by: 1)
        case .backTab:
            return self.complete(by: -1)
        case .control("n"), .altRight:
            return self.select(self.numbers.neighbour(of: self.selected, offset: 1))
        case .control("p"), .altLeft:
            return self.select(self.numbers.neighbour(of: self.selected, offset: -1))
        case .alt(let character):
            if let digit = character.wholeNumberValue, let group = self.numbers.group(number: digit == 0 ? 10 : digit) {
                return self.select(group)
            }
        case .pageUp, .wheelUp:
            return self.scroll(pages: key == .wheelUp ? 0 : 1, lines: key == .wheelUp ? 3 : 0)
        case .pageDown, .wheelDown:
            return self.scroll(pages: key == .wheelDown ? 0 : -1, lines: key == .wheelDown ? -3 : 0)
        case .altEnd:
            self.jumpToBottom()
        case .end:
            // End on a line already at its end, or in an empty composer, jumps the view to the newest message.
            let before = self.input.cursor
            self.input.end()
            if before == self.input.cursor { self.jumpToBottom() }
        case .up:
            // On an empty composer, Up edits the user's last message first (as in Slack); then the history.
            if self.input.isEmpty, self.editing == nil, let own = self.target(own: true), self.selection == nil {
                self.startEditing(own)
            } else if !self.input.up() {
                self.editing = nil
                self.recall(previous: true)
            }
        case .down:
            if !self.input.down() { self.recall(previous: false) }
        case .left, .control("b"): self.input.left()
        case .right, .control("f"): self.input.right()
        case .home, .control("a"): self.input.home()
        case .control("e"): self.input.end()
        case .backspace: self.input.backspace()
        case .delete: self.input.deleteForward()
        case .control("u"): self.input.killToStart()
        case .control("k"): self.input.killToEnd()
        case .control("w"): self.input.deleteWord()
        case .control("x"): self.pendingPrefix = true
        case .control("d"):
            if self.input.isEmpty { return self.quit() }
            self.input.deleteForward()
        case .control("l"):
            self.status = nil
            return [.repaint]
        case .enter:
            return self.submit()
        case .altEnter, .control("j"):
            self.input.insert("\n")
        case .paste(let text):
            // Pasted text only ever goes into the composer: it never sends, runs a command or switches group.
            self.input.insert(Self.pastable(text))
        case .character(let character):
            self.input.insert(character)
            if let selected = self.selected, !self.input.text.hasPrefix("/") { return [.typing(groupId: selected)] }
        default:
            break
        }
        return []
    }

    /// A paste as the composer takes it: line ends as newlines, tabs kept, other control characters dropped.
    static func pastable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 == "\n" || $0 == "\t" || $0.properties.generalCategory != .control }))
    }

    /// Up on the composer's first line (Down on its last) walks the selected group's history.
    private mutating func recall(previous: Bool) {
        let key = self.selected ?? ""
        var history = self.histories[key, default: InputHistory()]
        let line = previous ? history.previous(current: self.input.text) : history.next()
        self.histories[key] = history
        if let line { self.input = LineEditor(line) }
    }

    /// Tab: completes the word before the cursor, or shows the next candidate. The first `@` completion in a
    /// group asks for its member list, which later Tabs then offer in full.
    private mutating func complete(by offset: Int) -> [AppEffect] {
        if var completion = self.completion {
            completion.cycle(by: offset)
            let previousEnd = self.input.cursor
            self.input.replace(completion.start..<previousEnd, with: completion.replacement)
            self.completion = completion
            return []
        }
        var effects: [AppEffect] = []
        if let timeline = self.selectedTimeline, timeline.members == nil, Completion.word(before: self.input).word.hasPrefix("@") {
            effects.append(.fetchMembers(groupId: timeline.id))
        }
        guard var completion = Completion.start(in: self.input, names: self.memberNames) else { return effects }
        if offset < 0 { completion.cycle(by: offset) }
        self.input.replace(completion.start..<self.input.cursor, with: completion.replacement)
        self.completion = completion
        return effects
    }

    /// The selected group's members (when loaded) and the senders of its loaded messages, but the user.
    var memberNames: [String] {
        guard let timeline = self.selectedTimeline else { return [] }
        let me = self.sync.me?.id
        let members = (timeline.members ?? []).map(\.user)
        let senders = timeline.messages.reversed().map(\.sender)
        return (members + senders).filter { $0.id != me }.map { TerminalText.line($0.displayName) }
    }
}
