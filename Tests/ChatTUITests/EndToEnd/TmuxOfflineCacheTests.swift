import ChatCore
import ChatTestSupport
import Foundation
import Testing

@testable import ChatTUI

@Suite("chat-tui starts from its cache: with the server stopped, and its outbox sent once after a restart (tmux)", .serialized)
struct TmuxOfflineCacheTests {
    @Test(
        "run 1 caches the group; run 2, server stopped, shows it marked offline, searches it (chat-tui search too), and keeps a typed message; run 3 catches up an edit and sends it once",
        .enabled(if: TmuxSession.isAvailable, "tmux is not installed (apt-get install tmux); CI installs it")
    )
    func restartOfflineAndOutbox() async throws {
        let directory = try TemporaryDirectory()
        var server = try await cliServer(in: directory.url)
        let port = server.port
        let (ann, bob, club) = try await annInBobsClub(home: directory.path("ann"), server: server)
        for number in 1...30 { _ = try await bob.sendMessage(groupID: club.id, text: "note \(number)", clientID: nil) }
        let deploy = try await bob.sendMessage(groupID: club.id, text: "the deploy is at noon", clientID: nil)

        // Run 1, online: the group opens and its messages are cached.
        try await TmuxSession.with { tmux in
            let exitFile = directory.path("exit-1")
            try await tmux.startChatTUI(home: ann.home, server: server.baseURL, exitFile: exitFile, width: 100, height: 30)
            try await tmux.waitFor("the group with Bob's messages") { $0.contains("● connected") && $0.contains("Bob: the deploy is at noon") }
            try await tmux.type("/quit")
            try await tmux.press("Enter")
            #expect(try await TmuxSession.exitStatus(in: exitFile) == "0")
        }
        #expect(FileManager.default.fileExists(atPath: directory.path("ann/\(ClientCache.fileName)")))
        try await server.stop()

        // Run 2, no server: the cached messages show, marked offline; /search looks in the cache; a message waits.
        try await TmuxSession.with { tmux in
            let exitFile = directory.path("exit-2")
            try await tmux.startChatTUI(home: ann.home, server: server.baseURL, exitFile: exitFile, width: 100, height: 30)
            let screen = try await tmux.waitFor("the cached messages, offline") {
                $0.contains("Bob: the deploy is at noon") && $0.contains("offline")
            }
            #expect(screen.contains("# Club") && screen.contains("Bob: note 30"))
            try await tmux.type("/search deploy")
            try await tmux.press("Enter")
            try await tmux.waitFor("hits from the cache") { $0.contains("Search: deploy (1) · offline, cached messages") }
            try await tmux.press("Escape")
            try await tmux.waitFor("the panel closed") { !$0.contains("Search: deploy") }
            try await tmux.type("typed offline")
            try await tmux.press("Enter")
            try await tmux.waitFor("the message waiting") { $0.contains("Ann: typed offline ⋯") }
            try await tmux.type("/quit")
            try await tmux.press("Enter")
            #expect(try await TmuxSession.exitStatus(in: exitFile) == "0")
        }

        // The scriptable search falls back to the cache too, and says so on stderr.
        let offline = try await ann.run(["search", "--group", "Club", "deploy"])
        #expect(offline.status == 0, "\(offline.stderr)")
        #expect(offline.stdout.contains("Club #31") && offline.stdout.contains("Bob: the »deploy« is at noon"))
        #expect(offline.stderr.contains("searched the offline cache instead"))
        let json = try await ann.run(["search", "deploy", "--json"])
        let page = try ChatJSON.decoder.decode(SearchPage.self, from: Data(json.stdout.utf8))
        #expect(page.hits.map(\.message.text) == ["the deploy is at noon"] && page.nextCursor == nil)

        // Run 3, the server back on its port and file: the message typed offline goes out, once.
        server = try await cliServer(in: directory.url, environment: ["PORT": "\(port)"])
        // Meanwhile Bob edited a cached message: the change feed brings it to the cached screen.
        _ = try await bob.editMessage(groupID: club.id, messageID: deploy.id, text: "the deploy moves to one")
        try await TmuxSession.with { tmux in
            let exitFile = directory.path("exit-3")
            try await tmux.startChatTUI(home: ann.home, server: server.baseURL, exitFile: exitFile, width: 100, height: 30)
            try await tmux.waitFor("the message delivered") { screen in
                screen.contains("● connected") && screen.contains("Ann: typed offline") && !screen.contains("typed offline ⋯")
                    && screen.contains("Bob: the deploy moves to one (edited)")
            }
            try await tmux.type("/quit")
            try await tmux.press("Enter")
            #expect(try await TmuxSession.exitStatus(in: exitFile) == "0")
        }
        let history = try await bob.messages(groupID: club.id, limit: 100).messages
        #expect(history.filter { $0.text == "typed offline" }.count == 1)
        try await server.stop()

        // Logging out deletes the cache.
        _ = try await ann.ok(["logout"])
        #expect(!FileManager.default.fileExists(atPath: directory.path("ann/\(ClientCache.fileName)")))
    }
}
