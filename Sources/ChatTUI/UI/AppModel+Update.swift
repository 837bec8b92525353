import ChatCore
import Foundation

extension AppModel {
    /// Applies one message and returns the effects to run. Pure: no I/O, no clock.
    ///
    /// The engine marks a group read while it is focused, so the focus follows what is seen: the group on screen
    /// while its newest message shows, none while it is scrolled back.
    public mutating func update(_ message: AppMessage) -> [AppEffect] {
        let selected = self.selected
        var effects = self.apply(message)
        if case .sync = message { effects += self.missingQuotes() } else if self.selected != selected { effects += self.missingQuotes() }
        for case .focus(let groupID) in effects { self.groupInViewSent = groupID }
        let inView = self.groupInView
        if inView != self.groupInViewSent {
            self.groupInViewSent = inView
            effects.append(.focus(groupId: inView))
        }
        return effects
    }

    /// Replies in the group on screen that quote a message older than those loaded: each is fetched once.
    private mutating func missingQuotes() -> [AppEffect] {
        guard case .chat = self.screen, let groupID = self.selected, let timeline = self.sync.groups[groupID] else { return [] }
        let oldest = timeline.messages.first?.seq ?? Int64.max
        var effects: [AppEffect] = []
        for message in timeline.messages.reversed() {
            guard let ref = message.replyTo, ref.seq < oldest, timeline.quoted[ref.id] == nil, !self.quotesAsked.contains(ref.id) else { continue }
            self.quotesAsked.insert(ref.id)
            effects.append(.fetchQuote(groupId: groupID, ref: ref))
        }
        return effects
    }

    /// The group whose newest message is on screen, if any.
    var groupInView: String? {
        guard case .chat = self.screen, let selected = self.selected, self.scroll[selected] == nil else { return nil }
        return selected
    }

    private mutating func apply(_ message: AppMessage) -> [AppEffect] {
        switch message {
        case .resize(let width, let height):
            self.width = width
            self.height = height
            return []
        case .sync(let state):
            return self.receive(state)
        case .tick(let now):
            self.now = now
            return []
        case .edited(let text):
            self.input = LineEditor(text.hasSuffix("\n") ? String(text.dropLast()) : text)
            return []
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
        case .members(let groupID, let name):
            self.overlay = .members(groupId: groupID, groupName: name)
            return []
        case .requests(let panel):
            guard !panel.requests.isEmpty else {
                self.overlay = nil
                self.status = Status(text: "No join requests wait in \(panel.groupName).", isError: false)
                return []
            }
            self.overlay = .requests(panel)
            return []
        case .searched(let panel):
            guard !panel.hits.isEmpty else {
                self.overlay = nil
                self.status = Status(text: "Nothing matches \(panel.query).", isError: false)
                return []
            }
            self.overlay = .search(panel)
            return []
        case .done(let text):
            if case .busy = self.overlay { self.overlay = nil }
            self.status = Status(text: text, isError: false)
            return []
        case .joined(let group, let verb):
            if case .busy = self.overlay { self.overlay = nil }
            self.status = Status(text: "\(verb) \(group.name)", isError: false)
            return self.select(group.id, force: true)
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

    mutating func quit() -> [AppEffect] {
        self.quitting = true
        return [.quit]
    }

    // MARK: Commands

    /// Enter: the composer's text goes to the selected group as one message (all its lines), or runs as a
    /// command when it is one line starting with `/` (`//` sends a leading slash).
    mutating func submit() -> [AppEffect] {
        let line = self.input.text
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return [] }
        let historyKey = self.selected ?? ""
        self.histories[historyKey, default: InputHistory()].record(line)
        self.input.clear()
        let save = AppEffect.save(self.savedState)
        if trimmed.hasPrefix("/"), !trimmed.hasPrefix("//"), !trimmed.contains("\n") { return self.command(trimmed) + [save] }
        let text = trimmed.hasPrefix("//") ? String(line.drop { $0 == " " }.dropFirst()) : line
        guard let selected = self.selected else {
            self.status = Status(text: "No group yet: /create NAME, or /join INVITE", isError: true)
            return [save]
        }
        if let action = self.submitMessageAction(text, in: selected) { return action + [save] }
        self.scroll[selected] = nil
        return [.send(text: text, groupId: selected), save]
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
            let words = argument.split(separator: " ").map(String.init)
            let approval = words.contains("--approval")
            let numbers = words.filter { $0 != "--approval" }
            let hours = numbers.first.map { Double($0) }
            let uses = numbers.count > 1 ? Int(numbers[1]) : nil
            guard numbers.count <= 2, hours != .some(nil), numbers.count < 2 || uses != nil else {
                return self.usage("/invite [HOURS] [USES] [--approval], e.g. /invite 48 5")
            }
            self.overlay = .busy("Creating an invite to \(timeline.group.name)…")
            return [.createInvite(groupId: timeline.id, groupName: timeline.group.name, hours: hours ?? nil, uses: uses, approval: approval)]
        case "/members":
            guard let timeline = self.selectedTimeline else { return self.usage("/members needs a group") }
            self.overlay = .busy("Loading the members of \(timeline.group.name)…")
            return [.loadMembers(groupId: timeline.id, groupName: timeline.group.name)]
        case "/buffer", "/b":
            guard let number = Int(argument), let group = self.numbers.group(number: number) else {
                return self.usage("/buffer N, a group's number (1 to \(self.numbers.order.count))")
            }
            return self.select(group)
        case "/move":
            guard let number = Int(argument), number >= 1, let selected = self.selected else { return self.usage("/move N (N ≥ 1)") }
            self.numbers.move(selected, to: number)
            return [.save(self.savedState)]
        case "/search":
            return self.searchCommand(argument)
        case "/set":
            return self.set(argument)
        default:
            if let effects = self.messageCommand(name, argument) ?? self.moderationCommand(name, argument) { return effects }
            self.status = Status(text: "Unknown command \(name): /help lists them", isError: true)
        }
        return []
    }

    /// `/set bell on|off`.
    private mutating func set(_ argument: String) -> [AppEffect] {
        let words = argument.lowercased().split(separator: " ").map(String.init)
        guard words.count == 2, words[0] == "bell", ["on", "off"].contains(words[1]) else { return self.usage("/set bell on|off") }
        self.settings.bell = words[1] == "on"
        self.status = Status(text: "The bell is \(words[1]).", isError: false)
        return []
    }

    mutating func usage(_ text: String) -> [AppEffect] {
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
        case .paste(let text): form.fields[form.focus].editor.insert(String(text.prefix { $0 != "\n" && $0 != "\t" }))
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
