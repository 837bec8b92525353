import ChatCore
import Foundation

/// Acting on messages: selecting one (Alt-Up / Alt-Down), editing (Up on an empty composer, `/edit`), deleting
/// after a confirm, replying and reacting.
extension AppModel {
    /// The selected group's messages that can be acted on (not deleted).
    private var actionable: [Message] { self.selectedTimeline?.messages.filter { !$0.deleted } ?? [] }

    private func isMine(_ message: Message) -> Bool { message.sender.id == self.sync.me?.id }

    /// The message a command acts on: the selection, else the newest (the user's own newest when `own`).
    func target(own: Bool) -> Message? {
        let messages = self.actionable
        if let selection = self.selection, let selected = messages.first(where: { $0.id == selection }) {
            return own && !self.isMine(selected) ? nil : selected
        }
        return own ? messages.last(where: self.isMine) : messages.last
    }

    /// Alt-Up / Alt-Down: moves the selection over the messages; past the newest, it leaves them.
    mutating func moveSelection(by offset: Int) {
        let messages = self.actionable
        guard !messages.isEmpty else { return }
        let current = self.selection.flatMap { id in messages.firstIndex { $0.id == id } } ?? messages.count
        let next = current + offset
        self.selection = next >= messages.count ? nil : messages[max(0, next)].id
        // The selected message is brought into view.
        if let selection = self.selection, let group = self.selected {
            self.scroll[group] = ScrollAnchor(key: StyledLine.messagePrefix + selection, line: 0)
        }
    }

    /// Puts one of the user's messages in the composer for editing.
    mutating func startEditing(_ message: Message) {
        self.editing = message.id
        self.replyingTo = nil
        self.input = LineEditor(message.text)
    }

    /// Esc: leaves editing or replying, then the selection. Returns whether it did anything.
    mutating func cancelMessageAction() -> Bool {
        if self.editing != nil {
            self.editing = nil
            self.input.clear()
            return true
        }
        if self.replyingTo != nil {
            self.replyingTo = nil
            return true
        }
        if self.selection != nil {
            self.selection = nil
            return true
        }
        return false
    }

    /// Enter while editing or replying.
    mutating func submitMessageAction(_ text: String, in groupID: String) -> [AppEffect]? {
        if let editing = self.editing {
            self.editing = nil
            let original = self.actionable.first { $0.id == editing }
            return original?.text == text ? [] : [.editMessage(groupId: groupID, messageId: editing, text: text)]
        }
        if let replyingTo = self.replyingTo {
            self.replyingTo = nil
            return [.reply(text: text, groupId: groupID, replyTo: replyingTo)]
        }
        return nil
    }

    /// `/edit [TEXT]`, `/delete`, `/reply [TEXT]`, `/react EMOJI`; nil for another command.
    mutating func messageCommand(_ name: String, _ argument: String) -> [AppEffect]? {
        guard ["/edit", "/delete", "/reply", "/react"].contains(name) else { return nil }
        guard let group = self.selected else { return self.usage("\(name) needs a group") }
        switch name {
        case "/edit":
            guard let message = self.target(own: true) else {
                return self.refuse("You have no message here to edit (select one of yours with Alt-Up).")
            }
            guard !argument.isEmpty else {
                self.startEditing(message)
                return []
            }
            return [.editMessage(groupId: group, messageId: message.id, text: argument)]
        case "/delete":
            let message = self.selection == nil ? self.target(own: true) : self.target(own: false)
            guard let message else { return self.refuse("Select a message to delete with Alt-Up.") }
            let preview = TerminalText.line(message.sender.displayName) + ": " + DisplayWidth.truncate(TerminalText.line(message.text), to: 40)
            self.overlay = .confirmDelete(groupId: group, messageId: message.id, preview: preview)
            return []
        case "/reply":
            guard let message = self.target(own: false) else { return self.refuse("There is no message here to answer.") }
            guard !argument.isEmpty else {
                self.replyingTo = message.id
                self.editing = nil
                return []
            }
            return [.reply(text: argument, groupId: group, replyTo: message.id)]
        default:
            guard !argument.isEmpty, !argument.contains(" ") else { return self.usage("/react EMOJI, e.g. /react 👍") }
            guard let message = self.target(own: false) else { return self.refuse("There is no message here to react to.") }
            let mine = message.reactions.first { $0.emoji == argument }?.userIds.contains(self.sync.me?.id ?? "") ?? false
            return [.react(groupId: group, messageId: message.id, emoji: argument, present: !mine)]
        }
    }

    /// The confirm panel of `/delete`: y deletes.
    mutating func confirmDeleteKey(_ key: Key) -> [AppEffect] {
        guard case .confirmDelete(let group, let message, _) = self.overlay else { return [] }
        self.overlay = nil
        guard key == .character("y") || key == .character("Y") else { return [] }
        if self.selection == message { self.selection = nil }
        return [.deleteMessage(groupId: group, messageId: message)]
    }

    private mutating func refuse(_ text: String) -> [AppEffect] {
        self.status = Status(text: text, isError: true)
        return []
    }

    /// What the info row says while the composer edits or answers a message.
    var messageActionNote: String? {
        if self.editing != nil { return "✎ Editing your message: Enter saves, Esc cancels" }
        guard let replyingTo, let message = self.selectedTimeline?.messages.first(where: { $0.id == replyingTo }) else { return nil }
        let quote = TerminalText.line(message.sender.displayName) + ": " + TerminalText.line(message.text)
        return "↳ Replying to " + DisplayWidth.truncate(quote, to: 40) + " · Esc cancels"
    }
}
