import Foundation

/// One scenario.
protocol Scenario {
    /// The `scenario` value in the JSON.
    static var name: String { get }
    func run(_ bench: Bench) async throws -> ScenarioResult
}

/// A scenario's figures, in the order they are reported, and its goals.
struct ScenarioResult {
    /// One figure's value.
    enum Value {
        case integer(Int)
        case number(Double, digits: Int)
        case text(String)
        case missing

        var json: String {
            switch self {
            case .integer(let value): String(value)
            case .number(let value, let digits): value.isFinite ? String(format: "%.\(digits)f", value) : "null"
            case .text(let value): String(decoding: try! JSONEncoder().encode(value), as: UTF8.self)
            case .missing: "null"
            }
        }

        var text: String {
            switch self {
            case .integer(let value): value.formatted(.number.grouping(.automatic))
            case .number(let value, let digits): value.formatted(.number.precision(.fractionLength(digits)).grouping(.automatic))
            case .text(let value): value
            case .missing: "n/a"
            }
        }
    }

    /// A goal and whether this run met it.
    struct Goal {
        let key: String
        let description: String
        let met: Bool?
    }

    let scenario: String
    private(set) var figures: [(String, Value)] = []
    private(set) var goals: [Goal] = []

    init(scenario: String) { self.scenario = scenario }

    mutating func add(_ key: String, _ value: Int) { self.figures.append((key, .integer(value))) }
    mutating func add(_ key: String, _ value: Double?, digits: Int = 2) {
        self.figures.append((key, value.map { .number($0, digits: digits) } ?? .missing))
    }
    mutating func add(_ key: String, _ value: String) { self.figures.append((key, .text(value))) }

    /// A goal: `met` is nil when a figure it needs is missing.
    mutating func goal(_ key: String, _ description: String, met: Bool?) {
        self.goals.append(Goal(key: key, description: description, met: met))
    }

    /// One JSON object on one line, keys in report order.
    var json: String {
        var fields = [("scenario", Value.text(self.scenario))] + self.figures
        for goal in self.goals { fields.append((goal.key, goal.met.map { .text($0 ? "met" : "missed") } ?? .missing)) }
        return "{" + fields.map { "\"\($0.0)\":\($0.1.json)" }.joined(separator: ",") + "}"
    }

    /// A readable block: the figures, then the goals.
    var table: String {
        let width = (self.figures.map(\.0.count) + [10]).max()!
        var lines = ["\(self.scenario)"]
        for (key, value) in self.figures {
            lines.append("  " + key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value.text)
        }
        for goal in self.goals {
            let verdict = goal.met.map { $0 ? "met" : "MISSED" } ?? "not measured"
            lines.append("  goal: \(goal.description): \(verdict)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
