import ChatCore
import ChatTestSupport
import Foundation
import Testing

@Suite("chat-tui in a real terminal (tmux)", .serialized)
struct TmuxEndToEndTests {
    @Test(
        "start, see history, receive, send by typing, /invite, resize, and quit with status 0",
        .enabled(if: TmuxSession.isAvailable, "tmux is not installed (apt-get install tmux); CI installs it")
    )
    func fullSession() async throws {
        let directory = try TemporaryDirectory()
        let server = try await cliServer(in: directory.url)
        let ann = CLI(home: directory.path("ann"), server: server.baseURL)
        let bob = CLI(home: directory.path("bob"), server: server.baseURL)
        _ = try await ann.ok(["login", "--guest", "--name", "Ann"])
        _ = try await ann.ok(["create", "Book club"])
        _ = try await ann.ok(["send", "Book club", "history line 1"])
        _ = try await ann.ok(["send", "Book club", "history line 2 漢字 😀"])
        _ = try await bob.ok(["login", "--guest", "--name", "Bob"])
        _ = try await bob.ok(["join", try await ann.ok(["invite", "Book club"]).split(separator: "\n").last.map(String.init) ?? ""])

        try await TmuxSession.with { tmux in
            let exitFile = directory.path("exit-status")
            try await tmux.startChatTUI(home: ann.home, server: server.baseURL, exitFile: exitFile, width: 100, height: 30)

            // History is there, and the connection is up.
            try await tmux.waitFor("history and a connection") { $0.contains("Ann: history line 2 漢字 😀") && $0.contains("● connected") }

            // A message from another client arrives live.
            _ = try await bob.ok(["send", "Book club", "live from Bob"])
            try await tmux.waitFor("Bob's message") { $0.contains("Bob: live from Bob") }

            // Typing a message sends it: it shows, settles (no pending mark) and is on the server.
            try await tmux.type("typed in tmux")
            try await tmux.press("Enter")
            try await tmux.waitFor("the typed message, acknowledged") { $0.contains("Ann: typed in tmux") && !$0.contains("typed in tmux ⋯") }
            #expect(try await bob.ok(["history", "Book club"]).contains("Ann: typed in tmux"))

            // /invite draws the code, black on white, and the URL.
            try await tmux.type("/invite 2 3")
            try await tmux.press("Enter")
            let panel = try await tmux.waitFor("the invite panel") { $0.contains("Invite to Book club") && $0.contains("/join/") }
            let url = try #require(
                panel.split(separator: "\n").compactMap { line -> String? in
                    guard let range = line.range(of: "\(server.baseURL)/join/") else { return nil }
                    return String(line[range.lowerBound...].prefix { !$0.isWhitespace && $0 != "│" })
                }.first
            )
            let expected = QRRenderer().lines(for: try QRCode(encoding: url, ecc: .medium))
            let screenLines = panel.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let start = try #require(screenLines.firstIndex { $0.contains(expected[2]) }) - 2
            for (offset, row) in expected.enumerated() where !row.allSatisfy({ $0 == " " }) {
                #expect(screenLines[start + offset].contains(row), "QR row \(offset) differs")
            }
            let colored = try await tmux.captureWithColors()
            #expect(colored.contains("\u{1B}[30m") && colored.contains("\u{1B}[47m"), "the code is drawn with explicit black on white")
            try await tmux.press("Escape")
            try await tmux.waitFor("the panel to close") { !$0.contains("Invite to Book club") }

            // A smaller window is laid out again: no sidebar, everything within 50 columns.
            try await tmux.resize(width: 50, height: 16)
            let small = try await tmux.waitFor("the narrow layout") { screen in
                !screen.contains("Groups") && screen.contains("Ann: typed in tmux") && screen.contains("● connected")
            }
            for line in small.split(separator: "\n") { #expect(DisplayWidthProbe.columns(String(line)) <= 50, "\(line)") }

            // /quit restores the terminal and exits 0.
            try await tmux.type("/quit")
            try await tmux.press("Enter")
            #expect(try await TmuxSession.exitStatus(in: exitFile) == "0")
        }
        try await server.stop()
    }
}

extension TmuxEndToEndTests {
    @Test(
        "without a session, the sign-in screen signs in a guest; Ctrl-C then exits with status 0",
        .enabled(if: TmuxSession.isAvailable, "tmux is not installed (apt-get install tmux); CI installs it")
    )
    func signInScreen() async throws {
        let directory = try TemporaryDirectory()
        let server = try await cliServer(in: directory.url)
        let home = directory.path("fresh")
        try await TmuxSession.with { tmux in
            let exitFile = directory.path("exit-status")
            try await tmux.startChatTUI(home: home, server: server.baseURL, exitFile: exitFile, width: 90, height: 24)
            try await tmux.waitFor("the sign-in menu") { $0.contains("1  Continue as a guest") && $0.contains("3  Create an account") }
            try await tmux.type("1")
            try await tmux.waitFor("the guest form") { $0.contains("Display name (optional)") }
            try await tmux.type("Zoë")
            try await tmux.press("Enter")
            try await tmux.waitFor("the chat screen") { $0.contains("Zoë · \(server.baseURL) · ● connected") && $0.contains("No groups yet.") }
            // The session was saved: the scripting commands use it.
            #expect(try await CLI(home: home, server: server.baseURL).ok(["groups"]).contains("No groups yet"))
            try await tmux.press("C-c")
            #expect(try await TmuxSession.exitStatus(in: exitFile) == "0")
        }
        try await server.stop()
    }

    @Test(
        "register asks for the password twice on the terminal, without echoing it",
        .enabled(if: TmuxSession.isAvailable, "tmux is not installed (apt-get install tmux); CI installs it")
    )
    func passwordPrompt() async throws {
        let directory = try TemporaryDirectory()
        let server = try await cliServer(in: directory.url)
        let home = directory.path("home")
        try await TmuxSession.with { tmux in
            try await tmux.startChatTUI(
                home: home,
                server: server.baseURL,
                arguments: " register --email zoe@example.org --name Zoë",
                width: 90,
                height: 10
            )
            try await tmux.waitFor("the first prompt") { $0.contains("New password:") }
            try await tmux.type("hunter2hunter2")
            try await tmux.press("Enter")
            try await tmux.waitFor("the second prompt") { $0.contains("Repeat it:") }
            try await tmux.type("hunter2hunter2")
            try await tmux.press("Enter")
            let screen = try await tmux.waitFor("the result") { $0.contains("Registered and signed in as Zoë") }
            #expect(!screen.contains("hunter2"))
        }
        try await server.stop()
    }
}

/// Columns of captured text, counted as the terminal does.
enum DisplayWidthProbe {
    static func columns(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            let value = scalar.value
            let wide =
                scalar.properties.isEmojiPresentation || (0x1100...0x115F).contains(value) || (0x2E80...0xA4CF).contains(value)
                || (0xAC00...0xD7A3).contains(value) || (0xF900...0xFAFF).contains(value) || (0xFF00...0xFF60).contains(value)
            return total + (scalar.properties.generalCategory == .nonspacingMark ? 0 : wide ? 2 : 1)
        }
    }
}
