import ArgumentParser
import Foundation

/// `chat-bench soak`: a steady mixed load for a long time, watching the server's open files, memory and p99.
struct SoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "A steady mixed load for --duration; fails if open files or memory keep growing after the warm-up.",
        discussion: """
            Members of 8 groups send messages (REST and WebSocket), read history pages, mark messages read, \
            type, reconnect their WebSockets, and new guests join through invites, at --rate operations per \
            second. Every --interval the server's open files, resident memory and the interval's p99 latency \
            are sampled and printed. After the warm-up (the first fifth of the run), the last third of the \
            samples is compared with the first third: more than 16 more open files, or a median resident \
            memory more than 10% (and 8 MiB) higher, fails the run (exit status 1), as does any failed operation.

            Durations: 90s, 2m, 30m, 1h (a bare number is seconds).
            """
    )

    @OptionGroup var options: BenchOptions
    @Option(help: "How long to run (default 30m).") var duration = "30m"
    @Option(help: "How often to sample (default 60s, or a sixth of a shorter run).") var interval: String?
    @Option(help: "Operations per second of the mixed load (default 100).") var rate = 100

    func validate() throws {
        guard let seconds = Self.seconds(self.duration), seconds >= 30 else {
            throw ValidationError("--duration must be a duration of at least 30s, as 90s, 2m, 30m or 1h (got \"\(self.duration)\")")
        }
        if let interval, (Self.seconds(interval) ?? 0) < 1 { throw ValidationError("--interval must be a duration such as 15s or 1m") }
        if self.rate < 1 || self.rate > 10_000 { throw ValidationError("--rate must be from 1 to 10000 operations per second") }
    }

    /// `90s`, `2m`, `1h`, or a number of seconds.
    static func seconds(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        if let unit = text.last, let factor = units[unit], let value = Double(text.dropLast()), value > 0 { return value * factor }
        return Double(text).flatMap { $0 > 0 ? $0 : nil }
    }

    func run() async throws {
        let total = Self.seconds(self.duration)!
        let step = self.interval.flatMap(Self.seconds) ?? min(60, total / 6)
        let scenario = SoakScenario(duration: total, interval: step, rate: self.rate)
        let bench = try Bench(options: self.options)
        let result: ScenarioResult
        do {
            result = try await scenario.run(bench)
        } catch {
            bench.progress.clear()
            try await bench.shutdown()
            FileHandle.standardError.write(Data("chat-bench: soak failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
        bench.progress.clear()
        FileHandle.standardOutput.write(Data(((self.options.json ? result.json : result.table) + "\n").utf8))
        try await bench.shutdown()
        if result.missedAny { throw ExitCode(1) }
    }
}
