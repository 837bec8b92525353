import AsyncHTTPClient
import ChatCore
import ChatTestSupport
import Foundation
import Synchronization
import Testing

@Suite("chat-server admin backup and restore (SQLite)")
struct BackupTests {
    /// The write load's acknowledged messages, with when each was acknowledged, and the signal to stop.
    final class Load: Sendable {
        let acknowledged = Mutex<[(id: String, at: ContinuousClock.Instant)]>([])
        let stop = Atomic<Bool>(false)
    }

    /// Every message of `group`, oldest first, through the catch-up API.
    static func history(port: Int, token: String, group: String) async throws -> [Message] {
        var messages: [Message] = []
        while true {
            let (status, body) = try await AdminCommandTests.request(
                .GET,
                port: port,
                "/groups/\(group)/messages?after=\(messages.last?.seq ?? 0)&limit=100",
                token: token
            )
            #expect(status == 200)
            let page = try ChatJSON.decoder.decode(MessagePage.self, from: body)
            messages += page.messages
            if !page.hasMore { return messages }
        }
    }

    @Test("a backup taken under a write load, restored into a new data folder, holds every message acknowledged before it began")
    func backupUnderLoad() async throws {
        let directory = try TemporaryDirectory()
        let server = try await ServerProcess.start(in: directory.url, environment: ["DATABASE_URL": "sqlite://./data/chat.sqlite"])
        let (_, registered) = try await AdminCommandTests.request(
            .POST,
            port: server.port,
            "/auth/register",
            json: RegisterRequest(email: "ada@example.org", password: "correct horse", displayName: "Ada")
        )
        let ada = try ChatJSON.decoder.decode(AuthResponse.self, from: registered)
        let (_, created) = try await AdminCommandTests.request(
            .POST,
            port: server.port,
            "/groups",
            token: ada.token,
            json: CreateGroupRequest(name: "Busy")
        )
        let group = try ChatJSON.decoder.decode(Group.self, from: created)

        // Four senders write until told to stop; each acknowledged message is recorded with when its 201 came.
        let load = Load()
        let (progress, progressContinuation) = AsyncStream.makeStream(of: Int.self)
        let before: Set<String> = try await withThrowingTaskGroup(of: Void.self) { senders in
            for sender in 0..<4 {
                senders.addTask {
                    var index = 0
                    while !load.stop.load(ordering: .relaxed) {
                        let (status, body) = try await AdminCommandTests.request(
                            .POST,
                            port: server.port,
                            "/groups/\(group.id)/messages",
                            token: ada.token,
                            json: SendMessageRequest(text: "s\(sender) m\(index)", clientId: "s\(sender)-\(index)")
                        )
                        guard status == 201 else { throw ChildProcess.Failure(description: "send answered \(status)") }
                        let message = try ChatJSON.decoder.decode(Message.self, from: body)
                        let count = load.acknowledged.withLock {
                            $0.append((message.id, ContinuousClock.now))
                            return $0.count
                        }
                        progressContinuation.yield(count)
                        index += 1
                    }
                }
            }
            // Wait for a load to be under way, take the backup, let the load go on past it, then stop.
            var counts = progress.makeAsyncIterator()
            while let count = await counts.next(), count < 200 {}
            let began = ContinuousClock.now
            let backup = try await AdminCommandTests.admin(["backup", "./backup.sqlite"], in: directory.url)
            #expect(backup.status == 0, "\(backup.stderr)")
            #expect(backup.stdout.contains("integrity check ok"))
            let afterBackup = load.acknowledged.withLock { $0.count }
            while let count = await counts.next(), count < afterBackup + 100 {}
            load.stop.store(true, ordering: .relaxed)
            try await senders.waitForAll()
            return Set(load.acknowledged.withLock { $0.filter { $0.at < began }.map(\.id) })
        }
        progressContinuation.finish()
        #expect(before.count >= 200)
        let mode = try FileManager.default.attributesOfItem(atPath: directory.path("backup.sqlite"))[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // A backup never overwrites, and a restore never replaces a database in use.
        let twice = try await AdminCommandTests.admin(["backup", "./backup.sqlite"], in: directory.url)
        #expect(twice.status == 1 && twice.stderr.contains("exists already"))
        let busy = try await AdminCommandTests.admin(["restore", "./backup.sqlite"], in: directory.url)
        #expect(busy.status == 1 && busy.stderr.contains("in use by a running chat-server"), "\(busy.stderr)")
        #expect(try await server.stop() == 0)

        // Restored into a new data folder, served by a new server.
        let restored = try await AdminCommandTests.admin(
            ["restore", "./backup.sqlite", "--database-url", "sqlite://./restored/chat.sqlite"],
            in: directory.url
        )
        #expect(restored.status == 0, "\(restored.stderr)")
        let second = try await ServerProcess.start(in: directory.url, environment: ["DATABASE_URL": "sqlite://./restored/chat.sqlite"])
        let (status, login) = try await AdminCommandTests.login(port: second.port, "ada@example.org", "correct horse")
        #expect(status == 200)
        let token = try ChatJSON.decoder.decode(AuthResponse.self, from: login).token
        let messages = try await Self.history(port: second.port, token: token, group: group.id)
        let kept = Set(messages.map(\.id))
        #expect(before.subtracting(kept).isEmpty, "\(before.subtracting(kept).count) acknowledged messages missing")
        #expect(messages.map(\.seq) == Array(1...Int64(messages.count)), "seq stays gapless")
        #expect(try await second.stop() == 0)

        // A damaged file is refused before anything is replaced.
        try Data("not a database".utf8).write(to: directory.url.appendingPathComponent("junk.sqlite"))
        let junk = try await AdminCommandTests.admin(
            ["restore", "./junk.sqlite", "--database-url", "sqlite://./restored/chat.sqlite"],
            in: directory.url
        )
        #expect(junk.status == 1 && junk.stderr.contains("not a chat-server SQLite database"), "\(junk.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory.path("restored/chat.sqlite")))
        // Restoring over a database keeps the one it replaces.
        let over = try await AdminCommandTests.admin(
            ["restore", "./backup.sqlite", "--database-url", "sqlite://./restored/chat.sqlite"],
            in: directory.url
        )
        #expect(over.status == 0 && over.stdout.contains("kept as"), "\(over.stderr)")
        let kept2 = try FileManager.default.contentsOfDirectory(atPath: directory.path("restored"))
        #expect(kept2.contains { $0.hasPrefix("chat.sqlite.replaced-") }, "\(kept2)")
    }

    @Test("a second server on the same SQLite file stops with one line, and the first keeps serving")
    func oneServerPerDatabase() async throws {
        let directory = try TemporaryDirectory()
        let environment = ["DATABASE_URL": "sqlite://./data/chat.sqlite"]
        let first = try await ServerProcess.start(in: directory.url, environment: environment)
        let (status, output) = try await ServerProcess.run(in: directory.url, environment: environment.merging(["PORT": "0"]) { $1 })
        #expect(status == 1)
        #expect(output.contains("./data/chat.sqlite is in use by a running chat-server"), "\(output)")
        #expect(
            try await RawHTTP.exchange(port: first.port, request: "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").hasPrefix(
                "HTTP/1.1 200"
            )
        )
        #expect(try await first.stop() == 0)
        // Released at exit: the next server starts.
        let next = try await ServerProcess.start(in: directory.url, environment: environment)
        #expect(try await next.stop() == 0)
    }
}
