import Foundation
import Testing

@testable import chat_bench

@Suite("chat-bench --runs summary")
struct ScenarioResultSummaryTests {
    private static func run(p99: Double, ratio: Double, deliveries: Int, p99Met: Bool?) -> ScenarioResult {
        var result = ScenarioResult(scenario: "fanout")
        result.add("deliveries_per_s", deliveries)
        result.add("label", "text is not summarised")
        result.add("p99_ms", p99)
        result.add("ratio", ratio)
        result.goal("goal_capacity", "capacity ≥ 0.8 × baseline", met: ratio >= 0.8)
        result.goal("goal_p99", "p99 ≤ 50 ms", met: p99Met)
        return result
    }

    private static func fields(_ result: ScenarioResult) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(result.json.utf8)) as? [String: Any])
    }

    @Test("every numeric figure gets its min, median and max; text figures are left out")
    func statistics() throws {
        let runs = [
            Self.run(p99: 41.66, ratio: 1.70, deliveries: 171_513, p99Met: true),
            Self.run(p99: 17.01, ratio: 1.33, deliveries: 140_100, p99Met: true),
            Self.run(p99: 21.34, ratio: 1.75, deliveries: 161_030, p99Met: true),
        ]
        let fields = try Self.fields(ScenarioResult.summary(of: runs, runs: 3))
        #expect(fields["scenario"] as? String == "fanout")
        #expect(fields["runs"] as? Int == 3)
        #expect(fields["runs_failed"] as? Int == 0)
        #expect(fields["p99_ms_min"] as? Double == 17.01)
        #expect(fields["p99_ms_median"] as? Double == 21.34)
        #expect(fields["p99_ms_max"] as? Double == 41.66)
        #expect(fields["deliveries_per_s_median"] as? Int == 161_030)
        #expect(fields["ratio_min"] as? Double == 1.33)
        #expect(fields["label_min"] == nil && fields["label"] == nil)
        #expect(fields["goal_p99"] as? String == "met")
        #expect(fields["goal_capacity"] as? String == "met")
    }

    @Test("the median of an even number of runs is the mean of the middle two")
    func evenMedian() throws {
        let runs = [10.0, 40.0, 20.0, 30.0].map { Self.run(p99: $0, ratio: 1, deliveries: Int($0), p99Met: true) }
        let fields = try Self.fields(ScenarioResult.summary(of: runs, runs: 4))
        #expect(fields["p99_ms_median"] as? Double == 25)
    }

    @Test("a goal holds only if every run met it: one miss, an unmeasured run or a failed run each undo it")
    func goalsInEveryRun() throws {
        let good = Self.run(p99: 20, ratio: 1.5, deliveries: 1, p99Met: true)
        let missed = try Self.fields(
            ScenarioResult.summary(of: [good, Self.run(p99: 65, ratio: 0.7, deliveries: 1, p99Met: false), good], runs: 3)
        )
        #expect(missed["goal_p99"] as? String == "missed")
        #expect(missed["goal_capacity"] as? String == "missed")

        let unmeasured = try Self.fields(ScenarioResult.summary(of: [good, Self.run(p99: 20, ratio: 1.5, deliveries: 1, p99Met: nil)], runs: 2))
        #expect(unmeasured["goal_p99"] is NSNull)
        #expect(unmeasured["goal_capacity"] as? String == "met")

        let failed = try Self.fields(ScenarioResult.summary(of: [good, good], runs: 3))
        #expect(failed["runs_failed"] as? Int == 1)
        #expect(failed["goal_p99"] as? String == "missed")
        #expect(failed["goal_capacity"] as? String == "missed")
    }

    @Test("the table names each goal as holding in every run")
    func table() {
        let summary = ScenarioResult.summary(of: [Self.run(p99: 20, ratio: 1.5, deliveries: 1, p99Met: true)], runs: 1)
        #expect(summary.table.contains("goal: p99 ≤ 50 ms, in every one of 1 runs: met"))
    }
}
