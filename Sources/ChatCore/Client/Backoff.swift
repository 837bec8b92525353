/// Exponential backoff with full jitter: the n-th retry waits a random time in [0, min(cap, base·2ⁿ)],
/// never less than `floor`, so that many clients reconnecting at once spread out.
public struct Backoff: Sendable, Hashable {
    public var base: Duration
    public var cap: Duration
    public var floor: Duration

    public init(base: Duration = .milliseconds(500), cap: Duration = .seconds(30), floor: Duration = .milliseconds(100)) {
        self.base = base
        self.cap = cap
        self.floor = floor
    }

    /// The upper bound of the wait before retry `attempt` (0-based).
    public func ceiling(attempt: Int) -> Duration {
        let factor = Double(1 << min(max(attempt, 0), 30))
        let seconds = min(Self.seconds(self.cap), Self.seconds(self.base) * factor)
        return .milliseconds(Int64(seconds * 1000))
    }

    /// The wait before retry `attempt`, drawn from `random`.
    public func delay(attempt: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let ceiling = Self.seconds(self.ceiling(attempt: attempt))
        let floor = min(Self.seconds(self.floor), ceiling)
        return .milliseconds(Int64(Double.random(in: floor...ceiling, using: &random) * 1000))
    }

    /// The wait before retry `attempt`, from the system generator.
    public func delay(attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return self.delay(attempt: attempt, using: &generator)
    }

    private static func seconds(_ duration: Duration) -> Double { duration.timeInterval }
}

extension Duration {
    /// The duration in seconds, for `Date` arithmetic and rates.
    package var timeInterval: Double { Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18 }
}
