import ArgumentParser
import Foundation

/// The options every scenario takes.
struct BenchOptions: ParsableArguments {
    @Flag(help: "Shorter phases and smaller sizes: every scenario together in under 3 minutes.")
    var quick = false

    @Flag(help: "Print one JSON object per scenario on stdout instead of a table.")
    var json = false

    @Option(help: ArgumentHelp("Measure the chat-server running at this URL instead of starting one.", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("With --server: its process id, to report its memory and CPU share.", valueName: "pid"))
    var serverPid: Int32?

    @Option(
        help: ArgumentHelp(
            "The chat-server executable to start (default: .build/release/chat-server, else the one beside chat-bench).",
            valueName: "path"
        )
    )
    var serverBinary: String?

    @Option(help: "Seconds of each measured phase (default 15; 5 with --quick).")
    var seconds: Int?

    @Option(help: "ingest: concurrent clients, each in its own group (default 64).")
    var clients: Int?

    @Option(help: "fanout: groups of 100 connected members (default 10; 4 with --quick).")
    var groups: Int?

    @Option(help: "connections: idle WebSockets (default: the open-files limit less 100; 2000 with --quick).")
    var connections: Int?

    @Option(help: "history: messages in the large group; search: messages in all (default 1000000).")
    var messages: Int?

    @Option(help: "fanout: chat-server instances sharing one PostgreSQL, 1 or 2 (2 needs --database-url).")
    var instances = 1

    @Option(
        help: """
            Runs of each scenario, one after another (1–100). With more than one, a summary follows each scenario's \
            runs: every figure's min, median and max, and each goal met only if every run met it.
            """
    )
    var runs = 1

    @Option(
        help: ArgumentHelp(
            "A PostgreSQL (postgres://…; env CHAT_BENCH_DATABASE_URL): fanout --instances 2 runs on it, ingest runs on it too.",
            valueName: "url"
        )
    )
    var databaseURL: String?

    /// `--database-url`, else `CHAT_BENCH_DATABASE_URL`.
    var sharedDatabaseURL: String? { self.databaseURL ?? ProcessInfo.processInfo.environment["CHAT_BENCH_DATABASE_URL"] }

    func validate() throws {
        if let server, URL(string: server)?.host == nil || !(server.hasPrefix("http://") || server.hasPrefix("https://")) {
            throw ValidationError("--server must be an http:// or https:// URL (got \"\(server)\")")
        }
        if self.serverPid != nil, self.server == nil { throw ValidationError("--server-pid needs --server") }
        for (name, value, minimum) in [
            ("--seconds", self.seconds, 1), ("--clients", self.clients, 1), ("--groups", self.groups, 1),
            ("--connections", self.connections, 1), ("--messages", self.messages, 100),
        ] {
            if let value, value < minimum { throw ValidationError("\(name) must be at least \(minimum) (got \(value))") }
        }
        guard (1...100).contains(self.runs) else { throw ValidationError("--runs must be between 1 and 100 (got \(self.runs))") }
        guard (1...2).contains(self.instances) else { throw ValidationError("--instances must be 1 or 2 (got \(self.instances))") }
        if let url = self.sharedDatabaseURL, !(url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")) {
            throw ValidationError("--database-url must be a postgres:// URL (got \"\(url)\")")
        }
        if self.instances == 2 {
            guard self.sharedDatabaseURL != nil else {
                throw ValidationError("--instances 2 needs a PostgreSQL for the instances to share: --database-url postgres://…")
            }
            if self.server != nil { throw ValidationError("--instances 2 starts its own instances: it cannot take --server") }
        }
        if let binary = self.serverBinary, !FileManager.default.isExecutableFile(atPath: binary) {
            throw ValidationError("--server-binary \(binary) is not an executable file")
        }
    }
}

/// The sizes and durations of one run, from the options and `--quick`.
struct BenchPlan {
    var seconds: Double
    var warmup: Double
    var ingestClients: Int
    var fanoutGroups: Int
    var fanoutMembers = 100
    var fanoutWindow = 4
    var connections: Int
    var historyMessages: Int
    var smallHistoryMessages = 10_000
    var historyPages: Int
    var pageSize = 50
    var searchQueries: Int
    /// fanout: chat-server instances (two share `postgresURL`).
    var instances: Int
    /// A PostgreSQL to run chat-server on too (ingest), or for two instances to share (fanout).
    var postgresURL: String?

    init(_ options: BenchOptions, openFilesLimit: Int) {
        self.seconds = Double(options.seconds ?? (options.quick ? 5 : 15))
        self.warmup = options.quick ? 1 : 3
        self.ingestClients = options.clients ?? 64
        self.fanoutGroups = options.groups ?? (options.quick ? 4 : 10)
        self.connections = options.connections ?? (options.quick ? 2000 : max(100, openFilesLimit - 100))
        self.historyMessages = options.messages ?? 1_000_000
        self.historyPages = options.quick ? 1000 : 5000
        self.searchQueries = options.quick ? 500 : 2000
        self.instances = options.instances
        self.postgresURL = options.sharedDatabaseURL
    }
}
