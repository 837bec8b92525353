import Foundation

extension ScenarioResult {
    /// What `--runs N` reports after a scenario's runs: `runs` and `runs_failed`, then every numeric figure's
    /// `_min`, `_median` and `_max` over the runs that completed, in the order the first run reported them; each
    /// goal is met only if every one of the `runs` runs completed and met it (a goal stated "in every run").
    static func summary(of results: [ScenarioResult], runs: Int) -> ScenarioResult {
        precondition(!results.isEmpty && results.count <= runs, "a summary needs between 1 and `runs` results")
        var summary = ScenarioResult(scenario: results[0].scenario)
        summary.add("runs", runs)
        summary.add("runs_failed", runs - results.count)
        for (key, first) in results[0].figures {
            let values = results.compactMap { result in result.figures.first { $0.0 == key }.flatMap { $0.1.number } }
            guard !values.isEmpty else { continue }
            let digits = first.digits
            let sorted = values.sorted()
            let middle = sorted.count / 2
            let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
            summary.add("\(key)_min", sorted[0], digits: digits)
            summary.add("\(key)_median", median, digits: digits)
            summary.add("\(key)_max", sorted[sorted.count - 1], digits: digits)
        }
        for goal in results[0].goals {
            let verdicts = results.map { result in result.goals.first { $0.key == goal.key }?.met }
            let met: Bool? =
                if verdicts.contains(false) || results.count < runs { false } else if verdicts.contains(nil) { nil } else { true }
            summary.goal(goal.key, "\(goal.description), in every one of \(runs) runs", met: met)
        }
        return summary
    }
}

extension ScenarioResult.Value {
    /// The value as a number, or nil for text and a missing figure.
    var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value, _): value.isFinite ? value : nil
        case .text, .missing: nil
        }
    }

    /// Decimal places to report a statistic of this figure with (none for counts).
    var digits: Int {
        if case .number(_, let digits) = self { digits } else { 0 }
    }
}
