import ChatTestSupport
import Foundation
import Testing

@testable import ChatCore
@testable import ChatTUI

@Suite("Chat screen rendering (snapshots, no terminal)")
struct ChatViewTests {
    @Test("the layout: sidebar with unread counts, header, messages, input and status bar")
    func layout() {
        var model = UIFixture.model(messages: [UIFixture.message(1, "hello"), UIFixture.message(2, "how are you?", from: UIFixture.me.summary)])
        model.sync.groups["h"]?.unread = 3
        model.input = LineEditor("draft")
        let frame = AppView.render(model)
        #expect(
            frame.grid.lines
                == [
                    "Groups              │# Book club · 2 members",
                    "1 Book club         │",
                    "2 Friends 友達     3│",
                    "                    │",
                    "                    │",
                    "                    │",
                    "                    │",
                    "                    │",
                    "                    │",
                    "                    │",
                    "                    │",
                    "                    │",
                    "                    │",
                    "                    │── start of Book club ──",
                    "                    │── Thu 26 Nov 2026 ──",
                    "                    │11:22 Bob: hello",
                    "                    │11:23 Ann: how are you?",
                    "                    │",
                    "› draft",
                    " Ann · http://chat.local:4000 · ● connected [Act: 2]   Ctrl-N/P: groups · /help",
                ].map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
        )
        #expect(frame.cursor?.x == 7)
        #expect(frame.cursor?.y == 18)
        // The selected group is highlighted, and senders keep a colour.
        #expect(frame.grid[2, 1].style.reverse)
        #expect(frame.grid[27, 15].style.foreground == MessageLines.color(for: "bob"))
        #expect(frame.grid[27, 16].style.bold)
    }

    @Test("long messages wrap by display width, CJK and emoji counting double, under the name")
    func wrapping() {
        let text = "漢字テスト漢字テスト 😀😀😀 mixed ascii words here"
        let model = UIFixture.model(width: 44, height: 12, messages: [UIFixture.message(1, text)])
        let lines = AppView.render(model).grid.lines
        let body = lines.filter { $0.hasPrefix("11:22") || $0.hasPrefix("      ") }
        // 44 columns, no sidebar: 6 for the time, 38 for "Bob: " and the text; the emoji count 2 each.
        #expect(body == ["11:22 Bob: 漢字テスト漢字テスト 😀😀😀 mixed", "      ascii words here"])
        for line in lines { #expect(DisplayWidth.of(line) <= 44, "\(line)") }
    }

    @Test("pending and failed messages are marked, and someone typing is shown")
    func pendingAndTyping() {
        var model = UIFixture.model(messages: [UIFixture.message(1, "hello")])
        model.sync.outbox = [
            OutgoingMessage(clientId: "c1", groupId: "g", text: "on its way", createdAt: UIFixture.t0, status: .sending),
            OutgoingMessage(
                clientId: "c2",
                groupId: "g",
                text: "too long",
                createdAt: UIFixture.t0,
                status: .failed("text may be at most 4000 characters.")
            ),
        ]
        model.sync.groups["g"]?.typing = [TypingUser(user: UIFixture.bob, until: UIFixture.t0)]
        let text = AppView.render(model).grid.text
        #expect(text.contains("11:21 Ann: on its way ⋯"))
        #expect(text.contains("11:21 Ann: too long"))
        #expect(text.contains("✗ not sent: text may be at most 4000 characters."))
        #expect(text.contains("Bob is typing…"))
    }

    @Test("escape sequences and control characters in messages are shown, never sent to the terminal")
    func sanitizing() {
        let model = UIFixture.model(messages: [UIFixture.message(1, "evil \u{1B}[2J\u{7}bell")])
        let frame = AppView.render(model)
        #expect(!frame.grid.text.contains("\u{1B}"))
        #expect(frame.grid.text.contains("evil ^[[2J^Gbell"))
    }

    @Test("a narrow terminal hides the sidebar, a tiny one says it is too small")
    func sizes() {
        let narrow = AppView.render(UIFixture.model(width: 40, height: 10, messages: [UIFixture.message(1, "hi")])).grid.lines
        #expect(narrow[0] == "# Book club · 2 members")
        #expect(!narrow.joined().contains("Groups"))
        let tiny = AppView.render(UIFixture.model(width: 20, height: 5)).grid.lines
        #expect(tiny.joined(separator: " ").contains("Terminal too small"))
    }

    @Test("the connection state is in the status bar")
    func connection() {
        var model = UIFixture.model()
        model.sync.connection = .reconnecting(retryIn: .seconds(4))
        #expect(AppView.render(model).grid.lines.last?.contains("○ offline · reconnecting in 4s") == true)
        model.sync.connection = .offline
        #expect(AppView.render(model).grid.lines.last?.contains("○ offline") == true)
    }

    @Test("scrolled back, the view shows older lines and how many are below")
    func scrolling() {
        var model = UIFixture.model(height: 10, messages: (1...30).map { UIFixture.message($0, "message \($0)") })
        #expect(AppView.render(model).grid.text.contains("message 30"))
        model.scroll["g"] = ScrollAnchor(key: "m:g-20", line: 0)
        let text = AppView.render(model).grid.text
        #expect(!text.contains("message 30"))
        #expect(text.contains("message 20"))
        #expect(text.contains("↓ 10 new below · End"))
    }

    @Test("laying out only the newest messages gives the same bottom lines as the whole history: days, the new line, quotes")
    func tailMatchesFullBuild() throws {
        // 60 messages five hours apart (so the day changes every few), a reply to an early one, a deleted one,
        // long texts that wrap, and a message still pending.
        var messages = (1...60).map { seq in
            var message = UIFixture.message(Int64(seq), String(repeating: "word\(seq) ", count: seq % 4 == 0 ? 12 : 1))
            message.createdAt = UIFixture.t0.addingTimeInterval(Double(seq) * 5 * 3600)
            return message
        }
        messages[55].replyTo = MessageRef(id: messages[2].id, seq: 3)
        messages[57].deleted = true
        var timeline = GroupTimeline(group: UIFixture.group("g", name: "Book club", lastSeq: 60))
        timeline.loaded = true
        timeline.messages = messages
        let pending = [OutgoingMessage(clientId: "c1", groupId: "g", text: "on its way", createdAt: UIFixture.t0, status: .queued)]
        for newAfter in [nil, 5, 52, 59] as [Int64?] {
            let full = MessageLines.build(timeline: timeline, pending: pending, me: UIFixture.me, width: 40, newAfter: newAfter)
            for tail in [1, 8, 20] {
                let lines = MessageLines.build(timeline: timeline, pending: pending, me: UIFixture.me, width: 40, newAfter: newAfter, tail: tail)
                #expect(lines.count < full.count)
                let shown = tail + pending.count
                #expect(Array(lines.suffix(shown)) == Array(full.suffix(shown)), "newAfter \(String(describing: newAfter)), tail \(tail)")
            }
        }
    }
}

@Suite("The invite panel")
struct InvitePanelTests {
    static let invite = Invite(
        id: "i",
        token: "k6MioymmMebBlW6gxkRy8ZM6LC1zSVCD",
        groupId: "g",
        url: "https://chat.example.org/join/k6MioymmMebBlW6gxkRy8ZM6LC1zSVCD",
        expiresAt: UIFixture.t0.addingTimeInterval(86400),
        maxUses: 5,
        uses: 0,
        createdAt: UIFixture.t0
    )

    /// The QR code's rows as drawn in the grid: the black-on-white cells, decoded from half blocks.
    static func scannedCode(_ grid: CellGrid) -> [[Bool]]? {
        var rows: [String] = []
        for y in 0..<grid.height {
            let cells = (0..<grid.width).filter { grid[$0, y].style == InvitePanelView.codeStyle }
            guard let first = cells.first, let last = cells.last else { continue }
            rows.append(String((first...last).map { grid[$0, y].character }))
        }
        return decodeHalfBlock(rows)
    }

    @Test("the code is drawn in half blocks, black on white, and decodes to the invite URL's symbol")
    func drawsCode() throws {
        var model = UIFixture.model(width: 100, height: 40)
        model.overlay = .invite(InvitePanel(groupName: "Book club", invite: Self.invite))
        let frame = AppView.render(model)
        let code = try QRCode(encoding: Self.invite.url, ecc: .medium)
        let expected = (0..<code.size).map { y in (0..<code.size).map { code[$0, y] } }
        #expect(Self.scannedCode(frame.grid) == expected)
        #expect(InvitePanelView.codeStyle.foreground == .black && InvitePanelView.codeStyle.background == .white)
        #expect(frame.grid.text.contains(Self.invite.url))
        #expect(frame.grid.text.contains("5 uses · Esc closes"))
        #expect(frame.cursor == nil)
    }

    @Test("a terminal too small for the code says so instead of drawing a broken code")
    func tooSmall() {
        var model = UIFixture.model(width: 50, height: 20)
        model.overlay = .invite(InvitePanel(groupName: "Book club", invite: Self.invite))
        let frame = AppView.render(model)
        #expect(Self.scannedCode(frame.grid) == nil)
        #expect(frame.grid.text.contains("too small for the QR code"))
        #expect(frame.grid.text.contains("https://chat.example.org/join/"))
    }
}

@Suite("The sign-in screen")
struct LoginViewTests {
    @Test("it offers guest, login and register, and masks the password")
    func form() {
        var model = AppModel(screen: .login(LoginForm()), server: "http://chat.local:4000", me: nil, width: 70, height: 20)
        #expect(AppView.render(model).grid.text.contains("1  Continue as a guest"))
        _ = model.update(.key(.character("2")))
        for character in "ann@example.org" { _ = model.update(.key(.character(character))) }
        _ = model.update(.key(.enter))
        for character in "secret" { _ = model.update(.key(.character(character))) }
        let text = AppView.render(model).grid.text
        #expect(text.contains("› ann@example.org"))
        #expect(text.contains("› ••••••"))
        #expect(!text.contains("secret"))
        #expect(model.update(.key(.enter)) == [.logIn(email: "ann@example.org", password: "secret")])
        _ = model.update(.loginFailed("The email or password is incorrect."))
        #expect(AppView.render(model).grid.text.contains("The email or password is incorrect."))
    }
}
