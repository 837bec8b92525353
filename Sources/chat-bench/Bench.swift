import AsyncHTTPClient
import ChatCore
import Foundation
import NIOCore
import NIOPosix

/// What every scenario shares: the plan, the progress line, the load generator's event loops, and the servers
/// it starts.
final class Bench {
    let options: BenchOptions
    let plan: BenchPlan
    let progress: Progress
    /// The load generator's event loops: one per core, as the server has.
    let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
    let http: HTTPClient
    /// Scratch space for the databases and logs of this run, removed at the end.
    let workDirectory: URL
    let openFilesLimit: Int
    /// One signing secret for every chat-server of the run, so that tokens survive a restart.
    private let jwtSecret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    private var warnedAboutDebug = false

    init(options: BenchOptions) throws {
        self.openFilesLimit = ProcessStats.raiseOpenFilesLimit()
        self.options = options
        self.plan = BenchPlan(options, openFilesLimit: self.openFilesLimit)
        self.progress = Progress()
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        self.http = HTTPClient(eventLoopGroup: self.eventLoops, configuration: configuration)
        self.workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("chat-bench-\(getpid())")
        try FileManager.default.createDirectory(at: self.workDirectory, withIntermediateDirectories: true)
        if options.server == nil, !FileManager.default.isExecutableFile(atPath: self.chatServerPath) {
            throw BenchError("no chat-server at \(self.chatServerPath): build it (swift build -c release) or pass --server-binary")
        }
    }

    /// The chat-server executable: `--server-binary`, else the release build (even when chat-bench itself is a
    /// debug build, as under `swift run`), else the one beside chat-bench.
    var chatServerPath: String {
        if let binary = self.options.serverBinary { return binary }
        let beside = Self.executableDirectory.appendingPathComponent("chat-server")
        let release = Self.executableDirectory.deletingLastPathComponent().appendingPathComponent("release/chat-server")
        if Self.executableDirectory.lastPathComponent == "debug", FileManager.default.isExecutableFile(atPath: release.path) {
            return release.path
        }
        return beside.path
    }

    /// The folder of this executable.
    static var executableDirectory: URL {
        URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
            .deletingLastPathComponent()
    }

    /// The chat-server to measure: `--server`, or a new one on a fresh SQLite database in `directory`.
    func chatServer(in directory: String) async throws -> ServerHandle {
        if let url = self.options.server { return ServerHandle(external: url, pid: self.options.serverPid) }
        return try await self.startChatServer(in: directory)
    }

    /// Starts this machine's chat-server on the SQLite database in `directory` (created if new), or on
    /// `databaseURL` (its log still goes to `directory`).
    func startChatServer(in directory: String, databaseURL: String? = nil) async throws -> ServerHandle {
        let folder = self.workDirectory.appendingPathComponent(directory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if self.chatServerPath.contains("/debug/"), !self.warnedAboutDebug {
            self.warnedAboutDebug = true
            self.progress.note("warning: \(self.chatServerPath) is a debug build; figures need `swift build -c release`")
        }
        return try await ServerHandle.launch(
            executable: self.chatServerPath,
            arguments: [],
            environment: [
                "DATABASE_URL": databaseURL ?? "sqlite://\(folder.path)/chat.sqlite", "RATE_LIMITS": "off", "LOG_LEVEL": "warning",
                "JWT_SECRET": self.jwtSecret, "HOST": "127.0.0.1",
            ],
            logFile: folder.appendingPathComponent("server.log"),
            http: self.http
        )
    }

    /// Starts the bare WebSocket broadcaster (`chat-bench bare-server`), the baseline of fanout and connections.
    func startBareServer() async throws -> ServerHandle {
        let executable = Self.executableDirectory.appendingPathComponent("chat-bench").path
        return try await ServerHandle.launch(
            executable: FileManager.default.isExecutableFile(atPath: executable) ? executable : CommandLine.arguments[0],
            arguments: ["bare-server"],
            environment: [:],
            logFile: self.workDirectory.appendingPathComponent("bare-server.log"),
            http: self.http
        )
    }

    /// Signs up `count` guests, a few at a time, showing progress.
    func guests(_ count: Int, on server: ServerHandle, label: String) async throws -> [Member] {
        let api = APIClient(baseURL: server.baseURL, http: self.http)
        var members: [Member] = []
        members.reserveCapacity(count)
        try await concurrently(count) { index in
            let auth = try await BenchError.wrap("guest sign-up") { () async throws(APIError) in
                try await api.guest(displayName: "\(label) \(index)")
            }
            return Member(id: auth.user.id, token: auth.token)
        } done: { member, done in
            members.append(member)
            if done % 500 == 0 { self.progress.update("\(label): \(done)/\(count) users signed up") }
        }
        return members
    }

    /// Stops what the run started and removes its scratch space.
    func shutdown() async throws {
        try await self.http.shutdown()
        try await self.eventLoops.shutdownGracefully()
        try? FileManager.default.removeItem(at: self.workDirectory)
    }
}

/// A signed-up user of the load.
struct Member: Sendable {
    let id: String
    let token: String
}

/// A failure of the benchmark itself, said in one line.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// Runs an API call, turning its typed error into a `BenchError` that says what was being done.
    static func wrap<T>(_ what: String, _ call: () async throws(APIError) -> T) async throws -> T {
        do { return try await call() } catch { throw BenchError("\(what): \(error)") }
    }
}

/// Runs `work` for `0..<count` with at most `width` in flight; `done` gets each result as it comes, with how
/// many are done so far.
func concurrently<T: Sendable>(
    _ count: Int,
    width: Int = 32,
    _ work: @escaping @Sendable (Int) async throws -> T,
    done: (T, Int) -> Void
) async throws {
    try await withThrowingTaskGroup(of: T.self) { group in
        var started = 0
        while started < min(count, width) {
            let index = started
            group.addTask { try await work(index) }
            started += 1
        }
        var finished = 0
        while let value = try await group.next() {
            finished += 1
            done(value, finished)
            if started < count {
                let index = started
                group.addTask { try await work(index) }
                started += 1
            }
        }
    }
}
