import AsyncHTTPClient
import ChatCore
import ChatTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// `chat-server admin`, run as an operator would, beside a running server.
@Suite("chat-server admin")
struct AdminCommandTests {
    /// Runs `chat-server admin ARGUMENTS` in `directory`.
    static func admin(
        _ arguments: [String],
        in directory: URL,
        stdin: String? = nil,
        environment: [String: String] = [:]
    )
        async throws -> (status: Int32, stdout: String, stderr: String)
    {
        try await ChildProcess.run(
            "chat-server",
            arguments: ["admin"] + arguments,
            in: directory,
            environment: ["DATABASE_URL": "sqlite://./data/chat.sqlite"].merging(environment) { $1 },
            stdin: stdin.map { Data($0.utf8) }
        )
    }

    static func request(
        _ method: HTTPMethod,
        port: Int,
        _ path: String,
        token: String? = nil,
        json: (some Encodable)? = nil as String?
    ) async throws -> (status: Int, body: Data) {
        let (response, body) = try await LiveHTTP.send(method, "http://127.0.0.1:\(port)\(path)", token: token, json: json)
        return (Int(response.status.code), Data(buffer: body))
    }

    static func login(port: Int, _ email: String, _ password: String) async throws -> (status: Int, body: Data) {
        try await self.request(.POST, port: port, "/auth/login", json: LoginRequest(email: email, password: password))
    }

    @Test("lists, shows and counts, never printing a hash or a token; disable ends the sessions at once, enable and reset-password")
    func manageAccounts() async throws {
        let directory = try TemporaryDirectory()
        let server = try await ServerProcess.start(in: directory.url, environment: ["DATABASE_URL": "sqlite://./data/chat.sqlite"])
        let (_, registered) = try await Self.request(
            .POST,
            port: server.port,
            "/auth/register",
            json: RegisterRequest(email: "ada@example.org", password: "correct horse", displayName: "Ada")
        )
        let ada = try ChatJSON.decoder.decode(AuthResponse.self, from: registered)
        let (_, created) = try await Self.request(.POST, port: server.port, "/groups", token: ada.token, json: CreateGroupRequest(name: "Crew"))
        let group = try ChatJSON.decoder.decode(Group.self, from: created)
        for index in 0..<3 {
            _ = try await Self.request(
                .POST,
                port: server.port,
                "/groups/\(group.id)/messages",
                token: ada.token,
                json: SendMessageRequest(text: "m\(index)")
            )
        }
        _ = try await Self.request(.POST, port: server.port, "/auth/guest", json: GuestRequest(displayName: "Guest"))

        let list = try await Self.admin(["users", "list", "--json"], in: directory.url)
        #expect(list.status == 0, "\(list.stderr)")
        let users = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: [[String: Any]]]
        #expect(users?["users"]?.count == 2)
        let table = try await Self.admin(["users", "list"], in: directory.url)
        #expect(table.stdout.hasPrefix("ID ") && table.stdout.contains("ada@example.org") && table.stdout.contains("(guest)"))
        let show = try await Self.admin(["users", "show", "ADA@example.org"], in: directory.url)
        #expect(show.stdout.contains("messages   3") && show.stdout.contains("groups     1"), "\(show.stdout)")
        let groups = try await Self.admin(["groups", "show", group.id], in: directory.url)
        #expect(groups.stdout.contains("Crew") && groups.stdout.contains("owner") && groups.stdout.contains("3 stored, 3 sent"), "\(groups.stdout)")
        let stats = try await Self.admin(["stats", "--json"], in: directory.url)
        let counts = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
        #expect(counts?["users"] as? Int == 2 && counts?["guests"] as? Int == 1 && counts?["messages"] as? Int == 3)
        for output in [list.stdout, table.stdout, show.stdout, groups.stdout, stats.stdout] {
            #expect(!output.contains("$2b$") && !output.contains(ada.token) && !output.lowercased().contains("hash"))
        }

        // Disabled: the open WebSocket is closed with 4001, the token and the password stop working.
        let (probe, _) = try await WebSocketProbe.connect(port: server.port, token: ada.token)
        let disabled = try await Self.admin(["users", "disable", "ada@example.org"], in: directory.url)
        #expect(disabled.status == 0 && disabled.stdout.contains("Disabled Ada"), "\(disabled.stderr)")
        #expect(try await probe.closeFrame()?.closeCode == .init(codeNumber: 4001))
        #expect(try await Self.request(.GET, port: server.port, "/groups", token: ada.token).status == 401)
        let refused = try await Self.login(port: server.port, "ada@example.org", "correct horse")
        #expect(refused.status == 403 && String(decoding: refused.body, as: UTF8.self).contains("account_disabled"))
        let again = try await Self.admin(["users", "disable", "ada@example.org"], in: directory.url)
        #expect(again.status == 1 && again.stderr == "chat-server admin: Ada (ada@example.org) is disabled already\n")

        #expect(try await Self.admin(["users", "enable", "ada@example.org"], in: directory.url).status == 0)
        #expect(try await Self.login(port: server.port, "ada@example.org", "correct horse").status == 200)

        // A new password from stdin, then a generated one: the old one stops working each time.
        let reset = try await Self.admin(["users", "reset-password", "ada@example.org", "--stdin"], in: directory.url, stdin: "battery staple\n")
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(try await Self.login(port: server.port, "ada@example.org", "correct horse").status == 401)
        #expect(try await Self.login(port: server.port, "ada@example.org", "battery staple").status == 200)
        let generated = try await Self.admin(["users", "reset-password", "ada@example.org"], in: directory.url)
        let password = try #require(generated.stdout.split(separator: "\n").first?.split(separator: " ").last.map(String.init))
        #expect(password.count == 20)
        #expect(try await Self.login(port: server.port, "ada@example.org", password).status == 200)
        #expect(!server.log.contains(password) && !server.log.contains("battery staple"), "no password reaches the server's log")

        // Refusals are one line and status 1; bad usage is status 64.
        let missing = try await Self.admin(["users", "show", "nobody@example.org"], in: directory.url)
        #expect(missing.status == 1 && missing.stderr == "chat-server admin: no account nobody@example.org\n")
        let short = try await Self.admin(["users", "reset-password", "ada@example.org", "--stdin"], in: directory.url, stdin: "short\n")
        #expect(short.status == 1 && short.stderr.contains("at least 8 characters"))
        #expect(try await Self.admin(["users", "list", "--limit", "0"], in: directory.url).status == 64)
        let memory = try await Self.admin(["stats"], in: directory.url, environment: ["DATABASE_URL": "sqlite://:memory:"])
        #expect(memory.status == 1 && memory.stderr.split(separator: "\n").count == 1)
        let absent = try await Self.admin(["stats", "--database-url", "sqlite://./elsewhere/chat.sqlite"], in: directory.url)
        #expect(absent.status == 1 && absent.stderr.contains("no database at ./elsewhere/chat.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: directory.path("elsewhere")), "the admin command never creates a database")
        #expect(try await server.stop() == 0)
    }

    @Test(
        "with PostgreSQL the admin command is one more client: a disabled account's socket closes on every instance, and backup points to pg_dump",
        .enabled(if: PostgresTesting.isAvailable, PostgresTesting.skipReason)
    )
    func postgres() async throws {
        let database = try await PostgresTesting.createDatabase()
        let directory = try TemporaryDirectory()
        let environment = ["DATABASE_URL": database.url, "JWT_SECRET": String(repeating: "s", count: 40)]
        let server = try await ServerProcess.start(in: directory.url, environment: environment)
        let (_, registered) = try await Self.request(
            .POST,
            port: server.port,
            "/auth/register",
            json: RegisterRequest(email: "bea@example.org", password: "correct horse", displayName: "Bea")
        )
        let bea = try ChatJSON.decoder.decode(AuthResponse.self, from: registered)
        let (probe, _) = try await WebSocketProbe.connect(port: server.port, token: bea.token)
        let stats = try await Self.admin(["stats", "--json"], in: directory.url, environment: environment)
        let counts = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
        #expect(counts?["users"] as? Int == 1 && (counts?["databaseBytes"] as? Int ?? 0) > 0, "\(stats.stderr)")
        let disabled = try await Self.admin(["users", "disable", "bea@example.org"], in: directory.url, environment: environment)
        #expect(disabled.status == 0, "\(disabled.stderr)")
        #expect(try await probe.closeFrame()?.closeCode == .init(codeNumber: 4001))
        #expect(try await Self.request(.GET, port: server.port, "/groups", token: bea.token).status == 401)
        let backup = try await Self.admin(["backup", "./x.dump"], in: directory.url, environment: environment)
        #expect(backup.status == 1 && backup.stderr.contains("pg_dump"))
        #expect(try await server.stop() == 0)
        await database.drop()
    }
}
