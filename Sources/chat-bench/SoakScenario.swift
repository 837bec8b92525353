import Foundation
import Synchronization

/// `chat-bench soak`'s run: the load, the samples, and the verdict on growth.
struct SoakScenario {
    let duration: Double
    let interval: Double
    let rate: Int

    /// One sampling interval's figures.
    struct Sample {
        let elapsed: Double
        let openFiles: Int?
        let residentBytes: Int?
        let p99: Double?
        let operations: Int
    }

    func run(_ bench: Bench) async throws -> ScenarioResult {
        let server = try await bench.chatServer(in: "soak")
        bench.progress.update("soak: setting up 8 groups of 5 members")
        let load = try await SoakLoad.prepare(bench, server: server, groups: 8, members: 5)
        let workers = min(32, max(1, self.rate / 4))
        let period = Double(workers) / Double(self.rate)
        let start = ContinuousClock.now
        let end = start + .seconds(self.duration)
        var samples: [Sample] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    // Paced, not as fast as possible: each worker keeps its share of the rate.
                    var next = start + .seconds(period * Double(worker) / Double(workers))
                    while next < end {
                        let number = load.sequence.add(1, ordering: .relaxed).newValue
                        await load.perform(SoakLoad.pick(Int.random(in: 0..<1000)), sequence: number)
                        next += .seconds(period)
                        if next > ContinuousClock.now { try await Task.sleep(until: next, clock: .continuous) }
                    }
                }
            }
            load.latencies.start()
            var done = 0
            while ContinuousClock.now < end {
                try await Task.sleep(until: min(end, start + .seconds(self.interval * Double(samples.count + 1))), clock: .continuous)
                let operations = load.operations.load(ordering: .relaxed)
                let sample = Sample(
                    elapsed: (ContinuousClock.now - start).seconds,
                    openFiles: server.pid.flatMap(Self.openFiles(pid:)),
                    residentBytes: server.residentBytes,
                    p99: load.latencies.milliseconds(at: 99),
                    operations: operations - done
                )
                done = operations
                load.latencies.start()
                samples.append(sample)
                bench.progress.note(Self.describe(sample, failures: load.failures.load(ordering: .relaxed)))
            }
            try await group.waitForAll()
        }
        load.close()
        await server.stop()
        return self.result(samples, load: load)
    }

    /// The verdict. Open files: the last third of the samples after the warm-up against the first third.
    /// Memory: the trend (least squares) of resident memory against operations done after the warm-up, so
    /// that a steady leak shows however noisy the samples; the trend line may rise 4 MiB across that part.
    func result(_ samples: [Sample], load: SoakLoad) -> ScenarioResult {
        let settled = samples.filter { $0.elapsed > self.duration / 5 }
        let third = max(1, settled.count / 3)
        let (early, late) = (settled.prefix(third), settled.suffix(third))
        func median(_ values: [Int]) -> Int? { values.isEmpty ? nil : values.sorted()[values.count / 2] }
        let filesEarly = early.compactMap(\.openFiles).max()
        let filesLate = late.compactMap(\.openFiles).max()
        let growth = Self.trend(settled)
        let memoryEarly = median(early.compactMap(\.residentBytes))
        let memoryLate = median(late.compactMap(\.residentBytes))
        let p99s = samples.compactMap(\.p99).sorted()
        let failures = load.failures.load(ordering: .relaxed)
        var result = ScenarioResult(scenario: "soak")
        result.add("duration_s", Int(self.duration))
        result.add("rate_target", self.rate)
        result.add("operations", samples.map(\.operations).reduce(0, +))
        result.add("failed_operations", failures)
        result.add("samples", samples.count)
        result.add("open_files_after_warmup", filesEarly ?? 0)
        result.add("open_files_end", filesLate ?? 0)
        result.add("rss_mb_after_warmup", memoryEarly.map { Double($0) / 1_048_576 }, digits: 1)
        result.add("rss_mb_end", memoryLate.map { Double($0) / 1_048_576 }, digits: 1)
        result.add("rss_growth_bytes_per_op", growth?.bytesPerOperation, digits: 1)
        result.add("rss_trend_mb_after_warmup", growth.map { $0.total / 1_048_576 }, digits: 2)
        result.add("p99_ms_median", p99s.isEmpty ? nil : p99s[p99s.count / 2])
        result.add("p99_ms_max", p99s.last)
        result.add("per_interval", samples.map { Self.describe($0, failures: nil) }.joined(separator: "; "))
        if let failure = load.lastFailure.withLock({ $0 }) { result.add("last_failure", failure) }
        let filesSteady = filesEarly.flatMap { early in filesLate.map { $0 <= early + 16 } }
        let memorySteady = growth.map { $0.total <= 4 * 1_048_576 }
        result.goal("goal_open_files_steady", "open files do not keep growing after the warm-up (+16 at most)", met: filesSteady)
        result.goal(
            "goal_memory_steady",
            "resident memory does not keep growing after the warm-up (its trend rises 4 MiB at most)",
            met: memorySteady
        )
        result.goal("goal_no_failures", "no operation failed", met: failures == 0)
        return result
    }

    /// The least-squares slope of resident memory against operations done, over `samples`, and how far the
    /// trend line rises across them; nil with fewer than three samples.
    static func trend(_ samples: [Sample]) -> (bytesPerOperation: Double, total: Double)? {
        var done = 0.0
        var points: [(x: Double, y: Double)] = []
        for sample in samples {
            done += Double(sample.operations)
            if let bytes = sample.residentBytes { points.append((done, Double(bytes))) }
        }
        guard points.count >= 3, let first = points.first, let last = points.last, last.x > first.x else { return nil }
        let meanX = points.map(\.x).reduce(0, +) / Double(points.count)
        let meanY = points.map(\.y).reduce(0, +) / Double(points.count)
        let covariance = points.map { ($0.x - meanX) * ($0.y - meanY) }.reduce(0, +)
        let variance = points.map { ($0.x - meanX) * ($0.x - meanX) }.reduce(0, +)
        let slope = covariance / variance
        return (slope, slope * (last.x - first.x))
    }

    static func describe(_ sample: Sample, failures: Int?) -> String {
        let memory = sample.residentBytes.map { String(format: "%.1f MiB", Double($0) / 1_048_576) } ?? "n/a"
        let p99 = sample.p99.map { String(format: "%.1f ms", $0) } ?? "n/a"
        let failed = failures.map { ", \($0) failed so far" } ?? ""
        return
            "t=\(Int(sample.elapsed))s: \(sample.operations) ops, p99 \(p99), \(sample.openFiles.map(String.init) ?? "n/a") open files, \(memory)\(failed)"
    }

    /// The entries of `/proc/PID/fd`.
    static func openFiles(pid: Int32) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }
}

extension ScenarioResult {
    /// Whether a goal was missed (not merely unmeasured).
    var missedAny: Bool { self.goals.contains { $0.met == false } }
}
