import ChatCore
import ChatTestSupport
import Foundation
import Logging
import SQLiteNIO
import Synchronization
import Testing

/// Runs `chat-tui` with its own CHAT_HOME against a real server.
struct CLI {
    let home: String
    let server: String

    func run(
        _ arguments: [String],
        stdin: String? = nil,
        environment: [String: String] = [:]
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await ChildProcess.run(
            "chat-tui",
            arguments: arguments,
            environment: ["CHAT_HOME": self.home, "CHAT_SERVER": self.server].merging(environment) { $1 },
            stdin: stdin.map { Data($0.utf8) }
        )
    }

    /// Runs and expects success; returns stdout.
    func ok(_ arguments: [String], stdin: String? = nil) async throws -> String {
        let result = try await self.run(arguments, stdin: stdin)
        guard result.status == 0 else {
            throw ChildProcess.Failure(description: "chat-tui \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return result.stdout
    }
}

/// Ann signed in as a guest with chat-tui in `home`, and Bob (through the API) with a group "Club" she joined.
func annInBobsClub(home: String, server: ServerProcess) async throws -> (ann: CLI, bob: APIClient, club: Group) {
    let ann = CLI(home: home, server: server.baseURL)
    _ = try await ann.ok(["login", "--guest", "--name", "Ann"])
    let anonymous = APIClient(baseURL: server.baseURL)
    let bob = anonymous.authenticated(try await anonymous.guest(displayName: "Bob").token)
    let club = try await bob.createGroup(name: "Club")
    _ = try await ann.ok(["join", try await bob.createInvite(groupID: club.id).url])
    return (ann, bob, club)
}

/// A server, and Ann signed in on it with a group "Club" of hers.
func annWithClub(in directory: borrowing TemporaryDirectory) async throws -> (ServerProcess, CLI) {
    let server = try await cliServer(in: directory.url)
    let cli = CLI(home: directory.path("home"), server: server.baseURL)
    _ = try await cli.ok(["login", "--guest", "--name", "Ann"])
    _ = try await cli.ok(["create", "Club"])
    return (server, cli)
}

/// A real server in a temporary folder, for CLI tests.
func cliServer(in directory: URL, environment: [String: String] = [:]) async throws -> ServerProcess {
    try await ServerProcess.start(
        in: directory,
        environment: ["JWT_SECRET": "cli-tests-secret-of-at-least-32-bytes!!", "DATABASE_URL": "sqlite://./chat.sqlite", "BCRYPT_COST": "10"]
            .merging(environment) { $1 }
    )
}

@Suite("chat-tui commands against a real server")
struct CLIIntegrationTests {
    @Test("log in, create, send, read history, invite, join and log out")
    func scriptedSession() async throws {
        let directory = try TemporaryDirectory()
        let server = try await cliServer(in: directory.url)
        let ann = CLI(home: directory.path("ann"), server: server.baseURL)
        let bob = CLI(home: directory.path("bob"), server: server.baseURL)

        #expect(try await ann.ok(["login", "--guest", "--name", "Ann"]) == "Signed in as Ann (guest) on \(server.baseURL)\n")
        let mode = try FileManager.default.attributesOfItem(atPath: directory.path("ann/session.json"))[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let groupID = try await ann.ok(["create", "Book club"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let groups = try ChatJSON.decoder.decode([Group].self, from: Data(try await ann.ok(["groups", "--json"]).utf8))
        #expect(groups.map(\.id) == [groupID])
        #expect(try await ann.ok(["send", "Book club", "first"]) == "Sent to Book club (#1)\n")
        #expect(try await ann.ok(["send", groupID, "-"], stdin: "from stdin\nline two\n") == "Sent to Book club (#2)\n")

        let history = try ChatJSON.decoder.decode([Message].self, from: Data(try await ann.ok(["history", "Book club", "--json"]).utf8))
        #expect(history.map(\.seq) == [1, 2])
        #expect(history.map(\.text) == ["first", "from stdin\nline two"])
        let readable = try await ann.ok(["history", "Book club", "--limit", "1"])
        #expect(readable.contains("Ann: from stdin\n    line two\n"))
        #expect(!readable.contains("first"))

        let invite = try await ann.ok(["invite", "Book club", "--hours", "2", "--uses", "2"])
        let lines = invite.split(separator: "\n").map(String.init)
        let url = try #require(lines.last)
        #expect(url.hasPrefix("\(server.baseURL)/join/"))
        let code = try QRCode(encoding: url, ecc: .medium)
        #expect(decodeHalfBlock(Array(lines.dropLast())) == (0..<code.size).map { y in (0..<code.size).map { code[$0, y] } })

        _ = try await bob.ok(["login", "--guest", "--name", "Bob"])
        #expect(try await bob.ok(["join", url]) == "Joined Book club (\(groupID))\n")
        _ = try await bob.ok(["send", "Book club", "hi from bob"])
        #expect(try await ann.ok(["history", "Book club"]).contains("Bob: hi from bob"))
        #expect(try await ann.ok(["groups"]).contains("2 members"))

        #expect(try await ann.ok(["logout"]) == "Signed out\n")
        let after = try await ann.run(["groups"])
        #expect(after.status == 77)
        #expect(after.stderr == "chat-tui: not logged in to \(server.baseURL) (run chat-tui login)\n")
        try await server.stop()
    }

    @Test("accounts: register and log in with the password on standard input")
    func accounts() async throws {
        let directory = try TemporaryDirectory()
        let server = try await cliServer(in: directory.url)
        let cli = CLI(home: directory.path("home"), server: server.baseURL)
        _ = try await cli.ok(["register", "--email", "ann@example.org", "--name", "Ann", "--password-stdin"], stdin: "a long password\n")
        _ = try await cli.ok(["logout"])
        #expect(
            try await cli.ok(["login", "--email", "ANN@example.org", "--password-stdin"], stdin: "a long password\n").hasPrefix("Signed in as Ann on")
        )
        let wrong = try await cli.run(["login", "--email", "ann@example.org", "--password-stdin"], stdin: "not it\n")
        #expect(wrong.status == 1)
        #expect(wrong.stderr == "chat-tui: The email or password is incorrect. (HTTP 401)\n")
        let noPassword = try await cli.run(["login", "--email", "ann@example.org"])
        #expect(noPassword.status == 64)
        #expect(noPassword.stderr.contains("--password-stdin"))
        try await server.stop()
    }

    @Test("errors are one line with a status scripts can tell apart: refused, unreachable, bad usage")
    func errors() async throws {
        let directory = try TemporaryDirectory()
        let server = try await cliServer(in: directory.url)
        let cli = CLI(home: directory.path("home"), server: server.baseURL)
        _ = try await cli.ok(["login", "--guest"])
        let unknownGroup = try await cli.run(["send", "nowhere", "hi"])
        #expect(unknownGroup.status == 1)
        #expect(unknownGroup.stderr == "chat-tui: no group \"nowhere\" among yours (chat-tui groups lists them)\n")
        let badInvite = try await cli.run(["join", "not-a-token"])
        #expect(badInvite.status == 1)
        #expect(badInvite.stderr == "chat-tui: This invite does not exist or was revoked. (HTTP 404)\n")
        let usage = try await cli.run(["history"])
        #expect(usage.status == 64)
        #expect(usage.stderr.hasPrefix("chat-tui: ") && usage.stderr.filter { $0 == "\n" }.count == 1)
        // --server before the command is accepted too.
        let elsewhere = try await cli.run(["--server", "http://127.0.0.1:9", "groups"])
        #expect(elsewhere.stderr == "chat-tui: not logged in to http://127.0.0.1:9 (run chat-tui login)\n")

        try await server.stop()
        let unreachable = try await cli.run(["groups"])
        #expect(unreachable.status == 75, "unreachable is temporary: worth retrying")
        #expect(unreachable.stderr.hasPrefix("chat-tui: cannot reach \(server.baseURL): "))
        #expect(unreachable.stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test("server text never reaches the terminal raw: escape sequences and carriage returns in names and texts are shown inert")
    func hostileTextIsInert() async throws {
        let directory = try TemporaryDirectory()
        let (server, cli) = try await annWithClub(in: directory)
        _ = try await cli.ok(["send", "Club", "hello"])
        // What an older or hostile server could hold: today's server refuses control characters in names.
        let connection = try await SQLiteConnection.open(storage: .file(path: directory.path("chat.sqlite")), logger: Logger(label: "test"))
        _ = try await connection.query("UPDATE users SET display_name = ?", [.text("Ann\u{1B}[2J\rEve")])
        _ = try await connection.query("UPDATE groups SET name = ?", [.text("Club\u{1B}]0;pwned\u{07}\nX")])
        try await connection.close()
        for arguments in [["history", "Club\u{1B}]0;pwned\u{07}\nX"], ["groups"], ["send", "Club\u{1B}]0;pwned\u{07}\nX", "again"]] {
            let result = try await cli.run(arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            for output in [result.stdout, result.stderr] {
                #expect(
                    !output.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\r" || $0 == "\u{07}" },
                    "\(arguments): \(output.debugDescription)"
                )
            }
            if arguments[0] == "history" { #expect(result.stdout.contains("Ann^[[2JEve: hello"), "\(result.stdout.debugDescription)") }
            if arguments[0] == "groups" { #expect(result.stdout.filter { $0 == "\n" }.count == 1, "one group, one line") }
        }
        try await server.stop()
    }

    @Test("every command that prints data takes --json; whoami, members, invites and invites revoke")
    func jsonAndNewCommands() async throws {
        let directory = try TemporaryDirectory()
        let server = try await cliServer(in: directory.url)
        let ann = CLI(home: directory.path("ann"), server: server.baseURL)
        let bob = CLI(home: directory.path("bob"), server: server.baseURL)
        let cat = CLI(home: directory.path("cat"), server: server.baseURL)
        func decode<T: Decodable>(_: T.Type, _ arguments: [String], as cli: CLI) async throws -> T {
            try ChatJSON.decoder.decode(T.self, from: Data(try await cli.ok(arguments + ["--json"]).utf8))
        }
        _ = try await ann.ok(["login", "--guest", "--name", "Ann"])
        let me = try await decode(User.self, ["whoami"], as: ann)
        #expect(me.displayName == "Ann" && me.isGuest)
        #expect(try await ann.ok(["whoami"]) == "Ann (guest), id \(me.id), on \(server.baseURL)\n")

        let group = try await decode(Group.self, ["create", "Club"], as: ann)
        #expect(group.name == "Club" && group.role == .owner)
        let sent = try await decode(Message.self, ["send", "Club", "hello"], as: ann)
        #expect(sent.seq == 1 && sent.text == "hello" && sent.groupId == group.id)
        let invite = try await decode(Invite.self, ["invite", "Club", "--uses", "2"], as: ann)
        #expect(invite.url.hasPrefix("\(server.baseURL)/join/") && invite.maxUses == 2)
        #expect(try await decode([InviteSummary].self, ["invites", "Club"], as: ann).map(\.id) == [invite.id])

        _ = try await bob.ok(["login", "--guest", "--name", "Bob"])
        let joined = try await decode(AcceptInviteResponse.self, ["join", invite.url], as: bob)
        #expect(joined.group?.id == group.id)
        let members = try await decode([MemberPresence].self, ["members", "Club"], as: bob)
        #expect(Set(members.map(\.user.displayName)) == ["Ann", "Bob"])
        let table = try await ann.ok(["members", "Club"]).split(separator: "\n")
        #expect(table.count == 2)
        #expect(table.contains { $0.hasPrefix("Ann ") && $0.contains("owner") })

        // --server before a nested command's names is accepted too.
        let revoked = try await ann.ok(["--server", server.baseURL, "invites", "revoke", "Club", invite.id])
        #expect(revoked == "Revoked invite \(invite.id) of Club\n")
        _ = try await cat.ok(["login", "--guest", "--name", "Cat"])
        let refused = try await cat.run(["join", invite.url])
        #expect(refused.status == 1, "a revoked invite lets nobody in: \(refused.stderr)")
        let notMember = try await cat.run(["members", group.id])
        #expect(notMember.status == 1 && notMember.stderr.hasPrefix("chat-tui: no group"))
        try await server.stop()
    }

    @Test("watch prints a message from another client as it arrives, one JSON object a line, and ends on Ctrl-C with 0")
    func watch() async throws {
        let directory = try TemporaryDirectory()
        let server = try await cliServer(in: directory.url)
        let ann = CLI(home: directory.path("ann"), server: server.baseURL)
        let bob = CLI(home: directory.path("bob"), server: server.baseURL)
        _ = try await ann.ok(["login", "--guest", "--name", "Ann"])
        _ = try await ann.ok(["create", "Club"])
        _ = try await ann.ok(["send", "Club", "before watching"])
        let url = try #require(try await ann.ok(["invite", "Club"]).split(separator: "\n").last.map(String.init))
        _ = try await bob.ok(["login", "--guest", "--name", "Bob"])
        _ = try await bob.ok(["join", url])

        let watcher = try ChildProcess(
            "chat-tui",
            arguments: ["watch", "Club", "--json"],
            environment: ["CHAT_HOME": ann.home, "CHAT_SERVER": server.baseURL]
        )
        func until(_ what: String, _ condition: () -> Bool) async throws {
            let deadline = ContinuousClock.now + .seconds(30)
            while !condition() {
                guard ContinuousClock.now < deadline, watcher.process.isRunning else {
                    throw ChildProcess.Failure(description: "watch never \(what): \(watcher.stdout) \(watcher.stderr)")
                }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        try await until("connected") { watcher.stderr.contains("chat-tui: watching 1 group on \(server.baseURL)") }
        _ = try await bob.ok(["send", "Club", "hi from bob\nsecond line"])
        try await until("printed the message") { watcher.stdout.hasSuffix("\n") && !watcher.stdout.isEmpty }
        let lines = watcher.stdout.split(separator: "\n")
        #expect(lines.count == 1, "only the new message: \(watcher.stdout)")
        let message = try ChatJSON.decoder.decode(Message.self, from: Data(try #require(lines.first).utf8))
        #expect(message.seq == 2 && message.text == "hi from bob\nsecond line" && message.sender.displayName == "Bob")

        kill(watcher.process.processIdentifier, SIGINT)
        #expect(try await watcher.wait(timeout: .seconds(15)) == 0)
        try await server.stop()
    }

    @Test("commands exit as soon as they are done, every time: 200 runs, 8 at once, beside a server and busy cores")
    func exitUnderLoad() async throws {
        let directory = try TemporaryDirectory()
        let (server, cli) = try await annWithClub(in: directory)
        // Two busy threads keep both cores loaded while the commands run.
        let busy = Atomic<Bool>(true)
        let spinners = (0..<2).map { _ in
            Thread {
                var x: UInt64 = 1
                while busy.load(ordering: .relaxed) { x = x &* 6_364_136_223_846_793_005 &+ 1 }
                _ = x
            }
        }
        for spinner in spinners { spinner.start() }
        defer { busy.store(false, ordering: .relaxed) }
        let commands = [["invite", "Club"], ["groups", "--json"], ["send", "Club", "hi"], ["history", "Club"]]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for round in 0..<25 {
                        let arguments = commands[(worker + round) % commands.count]
                        // ChildProcess.run fails if the command has not exited within the deadline.
                        let result = try await cli.run(arguments)
                        #expect(result.status == 0, "\(arguments): \(result.stderr)")
                    }
                }
            }
            try await group.waitForAll()
        }
        try await server.stop()
    }

    @Test("a rate-limited request exits 75, as a temporary failure worth retrying")
    func rateLimited() async throws {
        let directory = try TemporaryDirectory()
        let server = try await cliServer(in: directory.url, environment: ["RATE_LIMITS": "on", "RATE_LIMIT_GROUPS": "1/1"])
        let cli = CLI(home: directory.path("home"), server: server.baseURL)
        _ = try await cli.ok(["login", "--guest"])
        _ = try await cli.ok(["create", "One"])
        let second = try await cli.run(["create", "Two"])
        #expect(second.status == 75)
        #expect(second.stderr.hasPrefix("chat-tui: Too many ") && second.stderr.hasSuffix("(HTTP 429)\n"), "\(second.stderr)")
        try await server.stop()
    }

    @Test("history shows a carriage return, an OSC 52 escape and a right-to-left override as inert text, byte for byte")
    func hostileMessageBytes() async throws {
        let directory = try TemporaryDirectory()
        let (server, cli) = try await annWithClub(in: directory)
        _ = try await cli.ok(["send", "Club", "placeholder"])
        // Stored as an older or hostile server could hold it, whatever today's server accepts.
        let connection = try await SQLiteConnection.open(storage: .file(path: directory.path("chat.sqlite")), logger: Logger(label: "test"))
        do {
            // The search index's trigger calls chat-server's own function: a stand-in that indexes the text as is.
            let function = SQLiteCustomFunction("chat_search_text", argumentCount: 1, pure: true, indirect: true) { values in
                guard case .text(let text) = values.first else { return nil as String? }
                return text
            }
            try await connection.install(customFunction: function)
            // As an edit does: the group's next rev, then the message takes it.
            _ = try await connection.query("UPDATE groups SET last_rev = last_rev + 1")
            _ = try await connection.query(
                "UPDATE messages SET text = ?, rev = (SELECT last_rev FROM groups WHERE id = messages.group_id)",
                [.text("safe\rEVIL\u{1B}]52;c;cm0gLXJmIH4=\u{07}done \u{202E}txt.exe")]
            )
        } catch {
            try await connection.close()
            throw error
        }
        try await connection.close()
        let output = try await cli.ok(["history", "Club"])
        let line = try #require(output.split(separator: "\n").first)
        let text = try #require(line.range(of: "Ann: ").map { line[$0.upperBound...] })
        #expect(Array(text.utf8) == Array("safeEVIL^[]52;c;cm0gLXJmIH4=^Gdone <U+202E>txt.exe".utf8))
        try await server.stop()
    }

    @Test("the full-screen UI refuses to start without a terminal")
    func needsTerminal() async throws {
        let directory = try TemporaryDirectory()
        let result = try await CLI(home: directory.path("home"), server: "http://127.0.0.1:9").run([])
        #expect(result.status == 64)
        #expect(result.stderr.contains("needs a terminal"))
    }
}
