import ChatCore
import ChatTestSupport
import Foundation
import Testing

@testable import ChatTUI

@Suite("chat-tui shows edits, reactions, presence, search and a kick live, in a real terminal (tmux)", .serialized)
struct TmuxModerationTests {
    @Test(
        "another client edits, reacts and kicks: chat-tui shows each live; /members shows presence; /search jumps; a refused /kick shows the server's words",
        .enabled(if: TmuxSession.isAvailable, "tmux is not installed (apt-get install tmux); CI installs it")
    )
    func liveLifecycleAndKick() async throws {
        let directory = try TemporaryDirectory()
        let server = try await cliServer(in: directory.url)
        let (ann, bob, club) = try await annInBobsClub(home: directory.path("ann"), server: server)
        let hello = try await bob.sendMessage(groupID: club.id, text: "hello from bob", clientID: nil)
        _ = try await bob.sendMessage(groupID: club.id, text: "the deploy is at noon", clientID: nil)
        _ = try await bob.sendMessage(groupID: club.id, text: "last words", clientID: nil)

        try await TmuxSession.with { tmux in
            let exitFile = directory.path("exit-status")
            try await tmux.startChatTUI(home: ann.home, server: server.baseURL, exitFile: exitFile, width: 100, height: 30)
            try await tmux.waitFor("Club with Bob's messages") { $0.contains("● connected") && $0.contains("Bob: last words") }

            // An edit and a reaction by Bob arrive live.
            _ = try await bob.editMessage(groupID: club.id, messageID: hello.id, text: "hello, edited")
            try await tmux.waitFor("the edit") { $0.contains("Bob: hello, edited") && $0.contains("(edited)") }
            _ = try await bob.react(groupID: club.id, messageID: hello.id, emoji: "🎉")
            try await tmux.waitFor("the reaction") { $0.contains("🎉 1") }

            // The members with their presence: Bob has only used REST, so he is away; when his socket opens,
            // the open panel shows him online.
            try await tmux.type("/members")
            try await tmux.press("Enter")
            try await tmux.waitFor("the members panel") { screen in
                screen.contains("Members of Club (2)") && screen.contains("● Ann") && screen.contains("○ Bob") && screen.contains("owner")
            }
            let bobSocket = RealtimeClient(api: bob, grace: .milliseconds(500))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await bobSocket.run { _ in } }
                defer { bobSocket.stop() }
                try await tmux.waitFor("Bob online in the open panel") { $0.contains("● Bob") && $0.contains("● Ann") }
            }
            try await tmux.press("Escape")
            // Typing before the panel is gone would make the Escape and the slash one Alt-/ key.
            try await tmux.waitFor("the members panel closed") { !$0.contains("Members of Club") }

            // Ann may not kick Bob: the server's refusal shows.
            try await tmux.type("/kick bob")
            try await tmux.press("Enter")
            try await tmux.waitFor("the refusal") { $0.contains("Only the group's owner and admins can do this.") }

            // /search finds the message and Enter selects it.
            try await tmux.type("/search deploy")
            try await tmux.press("Enter")
            try await tmux.waitFor("the hit") { $0.contains("Search: deploy (1)") && $0.contains("Bob: the deploy is at noon") }
            try await tmux.press("Enter")
            try await tmux.waitFor("the panel closed") { !$0.contains("Search: deploy") }

            // Bob kicks Ann: the group goes, and the info line says why.
            let annID = try await bob.allMembers(groupID: club.id).first { $0.user.displayName == "Ann" }?.user.id
            try await bob.kick(groupID: club.id, userID: try #require(annID))
            let removed = try await tmux.waitFor("the removal notice") { $0.contains("You were removed from \"Club\" by its admins.") }
            #expect(!removed.contains("last words"), "the group's messages are gone from the screen")
            try await tmux.type("/quit")
            try await tmux.press("Enter")
            #expect(try await TmuxSession.exitStatus(in: exitFile) == "0")
        }
        try await server.stop()
    }
}
