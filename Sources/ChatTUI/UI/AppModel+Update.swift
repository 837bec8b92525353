import ChatCore
import Foundation

extension AppModel {
    /// Applies one message and returns the effects to run. Pure: no I/O, no clock.
    public mutating func update(_ message: AppMessage) -> [AppEffect] {
        switch message {
        case .resize(let width, let height):
            self.width = width
            self.height = height
            return []
        case .sync(let state):
            self.sync = state
            return self.keepSelection()
        case .signedIn(let session):
            self.screen = .chat
            self.sync = SyncState(me: session.user)
            self.server = session.server
            return [.startSession(session)]
        case .loginFailed(let reason):
            guard case .login(var form) = self.screen else { return [] }
            form.busy = false
            form.error = reason
            self.screen = .login(form)
            return []
        case .inviteReady(let panel):
            self.overlay = .invite(panel)
            return []
        case .members(let name, let members):
            self.overlay = .members(groupName: name, members: members)
            return []
        case .joined(let group, let verb):
            if case .busy = self.overlay { self.overlay = nil }
            self.status = Status(text: "\(verb) \(group.name)", isError: false)
            self.selected = group.id
            return [.focus(groupId: group.id)]
        case .failed(let reason):
            if case .busy = self.overlay { self.overlay = nil }
            self.status = Status(text: reason, isError: true)
            return []
        case .key(let key):
            if key == .control("c") { return self.quit() }
            switch self.screen {
            case .login(var form):
                let effects = Self.updateLogin(&form, key: key)
                if effects.contains(.quit) { self.quitting = true }
                self.screen = .login(form)
                return effects
            case .chat:
                return self.chatKey(key)
            }
        }
    }

    private mutating func quit() -> [AppEffect] {
        self.quitting = true
        return [.quit]
    }

    /// Keeps a valid group selected: the most recently active one when there is none yet.
    private mutating func keepSelection() -> [AppEffect] {
        if let selected = self.selected, self.sync.groups[selected] != nil { return [] }
        self.selected = self.sync.groupOrder.first
        return self.selected.map { [.focus(groupId: $0)] } ?? []
    }

    // MARK: Chat keys

    private mutating func chatKey(_ key: Key) -> [AppEffect] {
        if self.overlay != nil {
            switch key {
            case .escape, .enter, .character("q"): self.overlay = nil
            default: break
            }
            return []
        }
        switch key {
        case .escape:
            self.status = nil
        case .tab:
            return self.selectGroup(offset: 1)
        case .backTab:
            return self.selectGroup(offset: -1)
        case .alt(let character):
            if let digit = character.wholeNumberValue, (1...9).contains(digit), digit <= self.sync.groupOrder.count {
                return self.select(self.sync.groupOrder[digit - 1])
            }
        case .pageUp:
            return self.scroll(pages: 1)
        case .pageDown:
            return self.scroll(pages: -1)
        case .up:
            if let line = self.history.previous(current: self.input.text) { self.input = LineEditor(line) }
        case .down:
            if let line = self.history.next() { self.input = LineEditor(line) }
        case .left, .control("b"): self.input.left()
        case .right, .control("f"): self.input.right()
        case .home, .control("a"): self.input.home()
        case .end, .control("e"): self.input.end()
        case .backspace: self.input.backspace()
        case .delete: self.input.deleteForward()
        case .control("u"): self.input.killToStart()
        case .control("k"): self.input.killToEnd()
        case .control("w"): self.input.deleteWord()
        case .control("d"):
            if self.input.isEmpty { return self.quit() }
            self.input.deleteForward()
        case .control("l"):
            self.status = nil
        case .enter:
            return self.submit()
        case .character(let character):
            self.input.insert(character)
            if let selected = self.selected, !self.input.text.hasPrefix("/") { return [.typing(groupId: selected)] }
        default:
            break
        }
        return []
    }

    private mutating func selectGroup(offset: Int) -> [AppEffect] {
        let order = self.sync.groupOrder
        guard !order.isEmpty else { return [] }
        let current = self.selected.flatMap { order.firstIndex(of: $0) } ?? 0
        return self.select(order[(current + offset + order.count) % order.count])
    }

    private mutating func select(_ groupID: String) -> [AppEffect] {
        guard self.selected != groupID else { return [] }
        self.selected = groupID
        return [.focus(groupId: groupID)]
    }

    /// Scrolls by pages of the message pane; reaching the oldest loaded line asks for older history.
    private mutating func scroll(pages: Int) -> [AppEffect] {
        guard let timeline = self.selectedTimeline else { return [] }
        let layout = ChatLayout(width: self.width, height: self.height)
        let page = max(1, layout.messageRows - 1)
        let total = MessageLines.build(timeline: timeline, pending: self.sync.pending(in: timeline.id), me: self.sync.me, width: layout.messageWidth)
            .count
        let maximum = max(0, total - layout.messageRows)
        let current = min(self.scrollBack[timeline.id] ?? 0, maximum)
        let next = min(max(0, current + pages * page), maximum)
        self.scrollBack[timeline.id] = next
        if pages > 0, next == maximum, timeline.hasOlder, !timeline.loadingOlder {
            return [.loadOlder(groupId: timeline.id)]
        }
        return []
    }

    // MARK: Commands

    private mutating func submit() -> [AppEffect] {
        let line = self.input.text
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return [] }
        self.history.record(line)
        self.input.clear()
        if trimmed.hasPrefix("/"), !trimmed.hasPrefix("//") { return self.command(trimmed) }
        let text = trimmed.hasPrefix("//") ? String(line.drop { $0 == " " }.dropFirst()) : line
        guard let selected = self.selected else {
            self.status = Status(text: "No group yet: /create NAME, or /join INVITE", isError: true)
            return []
        }
        self.scrollBack[selected] = 0
        return [.send(text: text, groupId: selected)]
    }

    private mutating func command(_ line: String) -> [AppEffect] {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        let name = parts[0].lowercased()
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch name {
        case "/quit", "/exit":
            return self.quit()
        case "/help":
            self.overlay = .help
        case "/create":
            guard !argument.isEmpty else { return self.usage("/create NAME") }
            return [.createGroup(name: argument)]
        case "/join":
            guard !argument.isEmpty else { return self.usage("/join TOKEN_OR_URL") }
            return [.join(argument)]
        case "/invite":
            guard let timeline = self.selectedTimeline else { return self.usage("/invite needs a group: /create NAME first") }
            let numbers = argument.split(separator: " ").map(String.init)
            let hours = numbers.first.map { Double($0) }
            let uses = numbers.count > 1 ? Int(numbers[1]) : nil
            guard numbers.count <= 2, hours != .some(nil), numbers.count < 2 || uses != nil else {
                return self.usage("/invite [HOURS] [USES], e.g. /invite 48 5")
            }
            self.overlay = .busy("Creating an invite to \(timeline.group.name)…")
            return [.createInvite(groupId: timeline.id, groupName: timeline.group.name, hours: hours ?? nil, uses: uses)]
        case "/members":
            guard let timeline = self.selectedTimeline else { return self.usage("/members needs a group") }
            self.overlay = .busy("Loading the members of \(timeline.group.name)…")
            return [.loadMembers(groupId: timeline.id, groupName: timeline.group.name)]
        default:
            self.status = Status(text: "Unknown command \(name): /help lists them", isError: true)
        }
        return []
    }

    private mutating func usage(_ text: String) -> [AppEffect] {
        self.status = Status(text: "Usage: \(text)", isError: true)
        return []
    }

    // MARK: Login

    private static func updateLogin(_ form: inout LoginForm, key: Key) -> [AppEffect] {
        guard !form.busy else { return [] }
        if form.mode == .menu {
            switch key {
            case .character("1"), .character("g"): form = .form(.guest)
            case .character("2"), .character("l"): form = .form(.login)
            case .character("3"), .character("r"): form = .form(.register)
            case .character("q"), .escape: return [.quit]
            default: break
            }
            return []
        }
        switch key {
        case .escape:
            form = LoginForm()
        case .tab, .down:
            form.focus = (form.focus + 1) % form.fields.count
        case .backTab, .up:
            form.focus = (form.focus + form.fields.count - 1) % form.fields.count
        case .enter:
            if form.focus < form.fields.count - 1 {
                form.focus += 1
                return []
            }
            return Self.submitLogin(&form)
        case .backspace: form.fields[form.focus].editor.backspace()
        case .delete: form.fields[form.focus].editor.deleteForward()
        case .left: form.fields[form.focus].editor.left()
        case .right: form.fields[form.focus].editor.right()
        case .home, .control("a"): form.fields[form.focus].editor.home()
        case .end, .control("e"): form.fields[form.focus].editor.end()
        case .control("u"): form.fields[form.focus].editor.killToStart()
        case .character(let character): form.fields[form.focus].editor.insert(character)
        default: break
        }
        return []
    }

    private static func submitLogin(_ form: inout LoginForm) -> [AppEffect] {
        form.error = nil
        switch form.mode {
        case .menu:
            return []
        case .guest:
            let name = form.value(0).trimmingCharacters(in: .whitespaces)
            form.busy = true
            return [.signInAsGuest(name: name.isEmpty ? nil : name)]
        case .login:
            guard !form.value(0).isEmpty, !form.value(1).isEmpty else {
                form.error = "Enter your email and password."
                return []
            }
            form.busy = true
            return [.logIn(email: form.value(0), password: form.value(1))]
        case .register:
            guard !form.value(0).isEmpty, !form.value(1).isEmpty, !form.value(2).isEmpty else {
                form.error = "Fill in every field."
                return []
            }
            form.busy = true
            return [.register(email: form.value(0), name: form.value(1), password: form.value(2))]
        }
    }
}
