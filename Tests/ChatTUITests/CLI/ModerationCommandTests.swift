import ChatCore
import ChatTestSupport
import Foundation
import Testing

@Suite("chat-tui's moderation commands against a real server")
struct ModerationCommandTests {
    /// The `--json` outcome of a moderation command.
    struct Outcome: Decodable {
        let action: String
        let groupId: String
        let groupName: String
        let user: UserSummary?
        let message: String
    }

    @Test("op, deop, rename, kick, ban, unban, transfer and leave: names resolved, refusals in the server's words, --json")
    func moderation() async throws {
        let directory = try TemporaryDirectory()
        let server = try await cliServer(in: directory.url)
        let ann = CLI(home: directory.path("ann"), server: server.baseURL)
        let bob = CLI(home: directory.path("bob"), server: server.baseURL)
        _ = try await ann.ok(["login", "--guest", "--name", "Ann"])
        _ = try await bob.ok(["login", "--guest", "--name", "Bob"])
        _ = try await ann.ok(["create", "Club"])
        func join(_ cli: CLI) async throws {
            let invite = try ChatJSON.decoder.decode(Invite.self, from: Data(try await ann.ok(["invite", "Club", "--json"]).utf8))
            _ = try await cli.ok(["join", invite.url])
        }
        func outcome(_ cli: CLI, _ arguments: [String]) async throws -> Outcome {
            try ChatJSON.decoder.decode(Outcome.self, from: Data(try await cli.ok(arguments + ["--json"]).utf8))
        }
        func roles(_ cli: CLI) async throws -> [String: GroupRole] {
            let members = try ChatJSON.decoder.decode([MemberPresence].self, from: Data(try await cli.ok(["members", "Club", "--json"]).utf8))
            return Dictionary(uniqueKeysWithValues: members.map { ($0.user.displayName, $0.role) })
        }
        try await join(bob)

        // Bob may not: the server's refusal, one line, exit 1.
        let refused = try await bob.run(["kick", "Club", "Ann"])
        #expect(refused.status == 1 && refused.stderr.hasPrefix("chat-tui: ") && refused.stderr.contains("(HTTP 403)"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1)
        let nobody = try await ann.run(["kick", "Club", "Zed"])
        #expect(nobody.status == 1 && nobody.stderr == "chat-tui: No member of \"Club\" is called Zed.\n")

        #expect(try await ann.ok(["op", "Club", "bob"]) == "Bob is now an admin of \"Club\".\n", "names match in any case")
        #expect(try await roles(ann)["Bob"] == .admin)
        let deop = try await outcome(ann, ["deop", "Club", "Bob"])
        #expect(deop.action == "deop" && deop.user?.displayName == "Bob" && deop.groupName == "Club")
        #expect(try await roles(ann)["Bob"] == .member)
        let renamed = try await outcome(ann, ["rename", "Club", "Book club"])
        #expect(renamed.groupName == "Book club" && renamed.message == "Renamed \"Club\" to \"Book club\".")
        _ = try await ann.ok(["rename", "Book club", "Club"])

        let kicked = try await outcome(ann, ["kick", "Club", "Bob"])
        #expect(kicked.action == "kick" && kicked.message == "Removed Bob from \"Club\".")
        #expect(try await bob.ok(["groups"]).contains("Club") == false)
        try await join(bob)
        #expect(try await ann.ok(["ban", "Club", "Bob", "--reason", "spam"]) == "Banned Bob from \"Club\".\n")
        let invite = try ChatJSON.decoder.decode(Invite.self, from: Data(try await ann.ok(["invite", "Club", "--json"]).utf8))
        let banned = try await bob.run(["join", invite.url])
        #expect(banned.status == 1, "a banned user cannot come back with an invite")
        #expect(try await ann.ok(["unban", "Club", "Bob"]) == "Lifted the ban on Bob in \"Club\".\n")
        _ = try await bob.ok(["join", invite.url])

        let transferred = try await outcome(ann, ["transfer", "Club", "Bob"])
        #expect(transferred.message == "Bob now owns \"Club\"; you are an admin.")
        #expect(try await roles(ann) == ["Bob": .owner, "Ann": .admin])
        #expect(try await ann.ok(["leave", "Club"]) == "You left \"Club\".\n")
        #expect(try await ann.ok(["groups"]).contains("Club") == false)
        let gone = try await ann.run(["leave", "Club"])
        #expect(gone.status == 1 && gone.stderr.hasPrefix("chat-tui: no group"))
        try await server.stop()
    }

    @Test("an invite with --approval makes a request; requests lists it, approve lets the user in, deny turns one down")
    func requests() async throws {
        let directory = try TemporaryDirectory()
        let server = try await cliServer(in: directory.url)
        let ann = CLI(home: directory.path("ann"), server: server.baseURL)
        let bob = CLI(home: directory.path("bob"), server: server.baseURL)
        let cat = CLI(home: directory.path("cat"), server: server.baseURL)
        for (cli, name) in [(ann, "Ann"), (bob, "Bob"), (cat, "Cat")] { _ = try await cli.ok(["login", "--guest", "--name", name]) }
        _ = try await ann.ok(["create", "Club"])
        #expect(try await ann.ok(["requests", "Club"]) == "No join requests wait in Club.\n")
        let invite = try ChatJSON.decoder.decode(
            Invite.self,
            from: Data(try await ann.ok(["invite", "Club", "--uses", "2", "--approval", "--json"]).utf8)
        )
        #expect(invite.requireApproval)
        _ = try await bob.ok(["join", invite.url])
        _ = try await cat.ok(["join", invite.url])
        #expect(try await bob.ok(["groups"]).contains("Club") == false, "asking is not joining")
        let waiting = try ChatJSON.decoder.decode([JoinRequest].self, from: Data(try await ann.ok(["requests", "Club", "--json"]).utf8))
        #expect(Set(waiting.map(\.user.displayName)) == ["Bob", "Cat"])
        let table = try await ann.ok(["requests", "Club"]).split(separator: "\n")
        #expect(table.count == 2 && table.allSatisfy { $0.contains("asked ") })
        let bobs = try #require(waiting.first { $0.user.displayName == "Bob" })
        let cats = try #require(waiting.first { $0.user.displayName == "Cat" })
        #expect(try await ann.ok(["requests", "approve", "Club", bobs.id]) == "Approved Bob's request to join Club.\n")
        let denied = try ChatJSON.decoder.decode(
            JoinRequest.self,
            from: Data(try await ann.ok(["requests", "deny", "Club", cats.id, "--json"]).utf8)
        )
        #expect(denied.status == .denied)
        #expect(try await bob.ok(["groups"]).contains("Club"))
        #expect(try await cat.ok(["groups"]).contains("Club") == false)
        let notAdmin = try await bob.run(["requests", "Club"])
        #expect(notAdmin.status == 1 && notAdmin.stderr.contains("(HTTP 403)"), "\(notAdmin.stderr)")
        try await server.stop()
    }
}
