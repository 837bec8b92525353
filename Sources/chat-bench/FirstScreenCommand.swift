import ArgumentParser
import ChatCore
import ChatTUI
import Foundation

/// `chat-bench first-screen`: how soon chat-tui shows a group's messages from its offline cache with the server
/// unreachable, launched in a real terminal (tmux) and timed from just before the launch to the first frame
/// that shows messages (chat-tui reports it: `CHAT_TUI_START_REPORT`). Baseline: the same launch with an empty
/// cache, to its first frame, which is what starting costs before any message is read.
struct FirstScreenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "first-screen",
        abstract: "chat-tui's first screen from a cache of 10,000 messages, server unreachable (needs tmux).",
        discussion: """
            Seeds a cache of --groups groups holding --messages messages in all, then launches chat-tui --runs \
            times in a detached tmux session with its server unreachable, alternating with launches on an empty \
            cache (the baseline). Uses the chat-tui beside chat-bench, else the release build; --chat-tui picks one.
            """
    )

    @Option(help: "Launches of each kind (1–500).") var runs = 20
    @Option(help: "Messages in the cache, spread evenly over the groups.") var messages = 10_000
    @Option(help: "Groups in the cache (1–100).") var groups = 10
    @Option(help: "The chat-tui executable to launch.") var chatTUI: String?
    @Flag(help: "One JSON object instead of a table.") var json = false

    func validate() throws {
        guard (1...500).contains(self.runs) else { throw ValidationError("--runs must be between 1 and 500") }
        guard (1...100).contains(self.groups) else { throw ValidationError("--groups must be between 1 and 100") }
        guard self.messages >= self.groups, self.messages <= 1_000 * self.groups else {
            throw ValidationError("--messages must be between --groups and 1,000 per group (the cache keeps 1,000 a group)")
        }
    }

    func run() async throws {
        let executable = self.chatTUI ?? Self.defaultChatTUI
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw BenchError("no chat-tui at \(executable): build it (swift build -c release --product chat-tui) or pass --chat-tui")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("chat-bench-first-screen-\(getpid())")
        defer { try? FileManager.default.removeItem(at: work) }
        let terminal = try TmuxTerminal(socket: "chat-bench-\(getpid())")
        defer { terminal.shutdown() }

        let session = Session(server: "http://127.0.0.1:\(try Self.closedPort())", token: "unused", user: Self.me)
        let cached = work.appendingPathComponent("cached")
        let empty = work.appendingPathComponent("empty")
        try self.seed(cached, session: session)
        for home in [cached, empty] { try SessionStore(environment: ["CHAT_HOME": home.path]).save(session) }

        var cachedSteps: [[String: Double]] = []
        var baseline: [Double] = []
        // One launch of each first, not counted: it brings the executable and the file into the page cache.
        for round in 0...self.runs {
            let withCache = try await terminal.launch(executable, home: cached, until: "first_screen_us")
            let withoutCache = try await terminal.launch(executable, home: empty, until: "first_frame_us")
            guard round > 0 else { continue }
            cachedSteps.append(withCache)
            baseline.append(withoutCache["first_frame_us"] ?? .nan)
            FileHandle.standardError.write(Data("\r\(round)/\(self.runs) launches".utf8))
        }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        let screens = cachedSteps.compactMap { $0["first_screen_us"] }
        var result = ScenarioResult(scenario: "first_screen")
        result.add("cached_messages", self.messages)
        result.add("groups", self.groups)
        result.add("runs", self.runs)
        result.add("first_screen_p50_ms", Self.percentile(screens, 50), digits: 1)
        result.add("first_screen_max_ms", screens.max(), digits: 1)
        // Where the time goes, medians from the launch: chat-tui's main, the cache read, the state handed to the UI.
        for (step, key) in [("main_us", "main_p50_ms"), ("cache_loaded_us", "cache_loaded_p50_ms"), ("first_state_us", "state_ready_p50_ms")] {
            result.add(key, Self.percentile(cachedSteps.compactMap { $0[step] }, 50), digits: 1)
        }
        result.add("baseline_first_frame_p50_ms", Self.percentile(baseline, 50), digits: 1)
        result.add("baseline_first_frame_max_ms", baseline.max(), digits: 1)
        result.goal("goal_first_screen", "every first screen ≤ 100 ms", met: screens.max().map { $0 <= 100 })
        print(self.json ? result.json : result.table)
    }

    /// A cache like the one chat-tui writes, through the same code: `groups` groups of Ann's with Bob, the
    /// messages spread over them, each group complete up to its newest message.
    private func seed(_ home: URL, session: Session) throws {
        let perGroup = self.messages / self.groups
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        var snapshot = SyncSnapshot()
        for index in 0..<self.groups {
            let id = "group-\(index)"
            var messages: [Message] = []
            for seq in 1...perGroup {
                let sender = seq % 3 == 0 ? Self.me.summary : Self.bob
                let text = "Message \(seq) of \(id): the release goes out on Friday if the last tests pass in time"
                let at = start.addingTimeInterval(Double(seq) * 30)
                messages.append(Message(id: "\(id)-\(seq)", groupId: id, seq: Int64(seq), sender: sender, text: text, createdAt: at, clientId: nil))
            }
            let group = Group(id: id, name: "Group \(index + 1)", createdAt: start, role: .owner, memberCount: 2, lastSeq: Int64(perGroup))
            snapshot.groups.append(.init(group: group, loaded: true, messages: messages, rev: Int64(perGroup), readSeq: Int64(perGroup)))
        }
        let cache = try ClientCache.open(in: home, for: session)
        defer { cache.close() }
        cache.save(SyncMachine(me: Self.me, restoring: snapshot).state)
    }

    static let bob = UserSummary(id: "bob", displayName: "Bob")
    static let me = User(id: "ann", displayName: "Ann", email: nil, isGuest: true, createdAt: Date(timeIntervalSince1970: 1_795_000_000))

    /// A local port nothing listens on: connecting is refused at once, as with a server that is down.
    static func closedPort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw BenchError("socket() failed: errno \(errno)") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw BenchError("cannot find a free local port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static var defaultChatTUI: String {
        let beside = Bench.executableDirectory.appendingPathComponent("chat-tui")
        let release = Bench.executableDirectory.deletingLastPathComponent().appendingPathComponent("release/chat-tui")
        if Bench.executableDirectory.lastPathComponent == "debug", FileManager.default.isExecutableFile(atPath: release.path) {
            return release.path
        }
        return beside.path
    }

    static func percentile(_ values: [Double], _ percent: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((percent / 100 * Double(sorted.count)).rounded(.up)) - 1)]
    }
}
