import ArgumentParser
import Foundation

/// `chat-bench`: chat-server's throughput, latency and memory, each next to a baseline measured in the same run.
@main
struct ChatBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-bench",
        abstract: "Measures chat-server's throughput, latency and memory against baselines run on the same machine.",
        discussion: """
            Each scenario starts a chat-server (by default the release build: `swift build -c release --product \
            chat-server`) on a temporary SQLite database with RATE_LIMITS=off, and stops it at the \
            end. --server URL measures a running server instead. Every figure is reported next to a baseline \
            measured in the same run, because the machine is shared: the goal is the ratio.

            Scenarios: ingest (acknowledged sends against a native SQLite insert loop), fanout (deliveries to \
            groups of 100 against a bare Hummingbird WebSocket broadcaster), connections (idle WebSockets and \
            memory, against the same bare server), history (cursor pages in a 1,000,000-message group) and search \
            (one-word queries over 1,000,000 messages in 100 groups, against the same query in SQLite alone). \
            soak (a steady mixed load for --duration, watching open files, memory and p99) is run on its own, \
            and so is first-screen (chat-tui's start from its offline cache, in tmux).
            """,
        subcommands: [
            AllCommand.self, IngestCommand.self, FanoutCommand.self, ConnectionsCommand.self, HistoryCommand.self,
            SearchCommand.self, SoakCommand.self, FirstScreenCommand.self, BareServerCommand.self,
        ]
    )
}

/// Runs the scenarios given, printing each result as soon as it is known.
func runScenarios(_ scenarios: [any Scenario], options: BenchOptions) async throws {
    let bench = try Bench(options: options)
    var failures: [String] = []
    // Written at once, unbuffered, so that a reader of a pipe gets each result as soon as it is known.
    func write(_ result: ScenarioResult) {
        FileHandle.standardOutput.write(Data(((options.json ? result.json : result.table) + "\n").utf8))
    }
    for scenario in scenarios {
        var results: [ScenarioResult] = []
        for run in 1...options.runs {
            if options.runs > 1 { bench.progress.phase("\(type(of: scenario).name): run \(run) of \(options.runs)") }
            do {
                let result = try await scenario.run(bench)
                bench.progress.clear()
                write(result)
                results.append(result)
            } catch {
                bench.progress.clear()
                let which = options.runs > 1 ? " (run \(run) of \(options.runs))" : ""
                failures.append("\(type(of: scenario).name)\(which): \(error)")
                FileHandle.standardError.write(Data("chat-bench: \(type(of: scenario).name)\(which) failed: \(error)\n".utf8))
            }
        }
        if options.runs > 1, !results.isEmpty { write(ScenarioResult.summary(of: results, runs: options.runs)) }
    }
    try await bench.shutdown()
    if !failures.isEmpty { throw ExitCode(1) }
}

/// A subcommand that runs scenarios with the shared options.
protocol ScenarioCommand: AsyncParsableCommand {
    var options: BenchOptions { get }
    /// The scenarios it runs, in order.
    static var scenarios: [any Scenario] { get }
}

extension ScenarioCommand {
    func run() async throws { try await runScenarios(Self.scenarios, options: self.options) }
}

/// `chat-bench all`: every scenario in turn.
struct AllCommand: ScenarioCommand {
    static let configuration = CommandConfiguration(commandName: "all", abstract: "Run every scenario: ingest, fanout, connections, history, search.")
    static var scenarios: [any Scenario] { [IngestScenario(), FanoutScenario(), ConnectionsScenario(), HistoryScenario(), SearchScenario()] }
    @OptionGroup var options: BenchOptions
}

/// `chat-bench ingest`.
struct IngestCommand: ScenarioCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Clients send messages as fast as acknowledgements allow; baseline: the SQLite C API, 100 rows per transaction over as many groups."
    )
    static var scenarios: [any Scenario] { [IngestScenario()] }
    @OptionGroup var options: BenchOptions
}

/// `chat-bench fanout`.
struct FanoutCommand: ScenarioCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanout",
        abstract: "Groups of 100 connected members: capacity, then latency at half the baseline's; baseline: a bare broadcaster."
    )
    static var scenarios: [any Scenario] { [FanoutScenario()] }
    @OptionGroup var options: BenchOptions
}

/// `chat-bench connections`.
struct ConnectionsCommand: ScenarioCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "Idle authenticated WebSockets up to the open-files limit, and the server's memory per connection."
    )
    static var scenarios: [any Scenario] { [ConnectionsScenario()] }
    @OptionGroup var options: BenchOptions
}

/// `chat-bench history`.
struct HistoryCommand: ScenarioCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Random-depth cursor pages in a 1,000,000-message group, and in a 10,000-message one."
    )
    static var scenarios: [any Scenario] { [HistoryScenario()] }
    @OptionGroup var options: BenchOptions
}

/// `chat-bench search`.
struct SearchCommand: ScenarioCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "One-word queries, rare to everywhere, over 1,000,000 messages in 100 groups; baseline: the same query in SQLite alone."
    )
    static var scenarios: [any Scenario] { [SearchScenario()] }
    @OptionGroup var options: BenchOptions
}
