import ArgumentParser
import Foundation

/// `chat-bench`: chat-server's throughput, latency and memory, each next to a baseline measured in the same run.
@main
struct ChatBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-bench",
        abstract: "Measures chat-server's throughput, latency and memory against baselines run on the same machine.",
        discussion: """
            Each scenario starts a chat-server (by default the one beside this executable: build both with \
            `swift build -c release`) on a temporary SQLite database with RATE_LIMITS=off, and stops it at the \
            end. --server URL measures a running server instead. Every figure is reported next to a baseline \
            measured in the same run, because the machine is shared: the goal is the ratio.

            Scenarios: ingest (acknowledged sends against a native SQLite insert loop), fanout (deliveries to \
            groups of 100 against a bare Hummingbird WebSocket broadcaster), connections (idle WebSockets and \
            memory, against the same bare server) and history (cursor pages in a 1,000,000-message group).
            """,
        subcommands: [
            AllCommand.self, IngestCommand.self, FanoutCommand.self, ConnectionsCommand.self, HistoryCommand.self,
            BareServerCommand.self,
        ]
    )
}

/// Runs the scenarios given, printing each result as soon as it is known.
func runScenarios(_ scenarios: [any Scenario], options: BenchOptions) async throws {
    let bench = try Bench(options: options)
    var failures: [String] = []
    for scenario in scenarios {
        do {
            let result = try await scenario.run(bench)
            bench.progress.clear()
            print(options.json ? result.json : result.table)
            fflush(stdout)
        } catch {
            bench.progress.clear()
            failures.append("\(type(of: scenario).name): \(error)")
            FileHandle.standardError.write(Data("chat-bench: \(type(of: scenario).name) failed: \(error)\n".utf8))
        }
    }
    try await bench.shutdown()
    if !failures.isEmpty { throw ExitCode(1) }
}

/// `chat-bench all`: every scenario in turn.
struct AllCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "all", abstract: "Run every scenario: ingest, fanout, connections, history.")
    @OptionGroup var options: BenchOptions
    func run() async throws {
        try await runScenarios([IngestScenario(), FanoutScenario(), ConnectionsScenario(), HistoryScenario()], options: self.options)
    }
}

/// `chat-bench ingest`.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Clients send messages as fast as acknowledgements allow; baseline: native SQLite inserts, 100 rows per transaction."
    )
    @OptionGroup var options: BenchOptions
    func run() async throws { try await runScenarios([IngestScenario()], options: self.options) }
}

/// `chat-bench fanout`.
struct FanoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout",
        abstract: "Groups of 100 connected members: capacity, then latency at half the baseline's; baseline: a bare broadcaster."
    )
    @OptionGroup var options: BenchOptions
    func run() async throws { try await runScenarios([FanoutScenario()], options: self.options) }
}

/// `chat-bench connections`.
struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "Idle authenticated WebSockets up to the open-files limit, and the server's memory per connection."
    )
    @OptionGroup var options: BenchOptions
    func run() async throws { try await runScenarios([ConnectionsScenario()], options: self.options) }
}

/// `chat-bench history`.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Random-depth cursor pages in a 1,000,000-message group, and in a 10,000-message one."
    )
    @OptionGroup var options: BenchOptions
    func run() async throws { try await runScenarios([HistoryScenario()], options: self.options) }
}
