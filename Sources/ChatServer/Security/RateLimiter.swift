import Foundation
import Synchronization

/// A token bucket: `capacity` requests at once, refilled at `refillPerSecond`.
struct TokenBucket: Sendable, Hashable {
    let capacity: Double
    let refillPerSecond: Double
    private(set) var tokens: Double
    private(set) var updated: ContinuousClock.Instant

    init(capacity: Double, refillPerSecond: Double, now: ContinuousClock.Instant) {
        self.capacity = capacity
        self.refillPerSecond = refillPerSecond
        self.tokens = capacity
        self.updated = now
    }

    /// Takes one token if there is one; otherwise returns how long until there will be.
    mutating func take(now: ContinuousClock.Instant) -> Duration? {
        let elapsed = now - self.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        self.tokens = min(self.capacity, self.tokens + max(0, seconds) * self.refillPerSecond)
        self.updated = now
        if self.tokens >= 1 {
            self.tokens -= 1
            return nil
        }
        return .milliseconds(Int64(((1 - self.tokens) / self.refillPerSecond * 1000).rounded(.up)))
    }

    /// Whether the bucket would be full by `now` (and can be forgotten).
    func isFull(at now: ContinuousClock.Instant) -> Bool {
        let elapsed = now - self.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return self.tokens + seconds * self.refillPerSecond >= self.capacity
    }
}

/// A rate: so many requests per period, with bursts up to `burst`.
public struct RateLimit: Sendable, Hashable, CustomStringConvertible {
    public var burst: Int
    public var perMinute: Double

    public init(burst: Int, perMinute: Double) {
        self.burst = burst
        self.perMinute = perMinute
    }

    /// Parses `BURST/PER_MINUTE`, such as `30/600` (30 at once, 600 a minute).
    public init(parsing text: String) throws(ConfigurationError) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let burst = Int(parts[0]), burst > 0, let rate = Double(parts[1]), rate > 0 else {
            throw ConfigurationError("a rate limit is BURST/PER_MINUTE, such as 30/600 (got \"\(text)\")")
        }
        self.burst = burst
        self.perMinute = rate
    }

    public var description: String { "\(self.burst)/\(Int(self.perMinute))" }
}

/// Counts requests per key (an IP address, an account, a user) against a ``RateLimit``. Keys whose bucket
/// has refilled are forgotten, so memory stays bounded by the number of active keys.
final class RateLimiter: Sendable {
    let limit: RateLimit
    private let buckets = Mutex<[String: TokenBucket]>([:])
    private let clock: @Sendable () -> ContinuousClock.Instant
    /// The most keys kept before full buckets are swept.
    private let sweepThreshold: Int

    init(_ limit: RateLimit, sweepThreshold: Int = 10_000, clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.limit = limit
        self.sweepThreshold = sweepThreshold
        self.clock = clock
    }

    /// `nil` when the request may go ahead; otherwise how long to wait.
    func check(_ key: String) -> Duration? {
        let now = self.clock()
        return self.buckets.withLock { buckets in
            if buckets.count >= self.sweepThreshold { buckets = buckets.filter { !$0.value.isFull(at: now) } }
            var bucket = buckets[key] ?? TokenBucket(capacity: Double(self.limit.burst), refillPerSecond: self.limit.perMinute / 60, now: now)
            let wait = bucket.take(now: now)
            buckets[key] = bucket
            return wait
        }
    }

    /// The number of keys held.
    var keyCount: Int { self.buckets.withLock { $0.count } }
}

/// The server's rate limits, or none when `RATE_LIMITS=off`.
public struct RateLimits: Sendable {
    /// Sign-ins and registrations (guests included) from one client address.
    let authPerAddress: RateLimiter?
    /// Logins and registrations for one email address, from anywhere.
    let authPerAccount: RateLimiter?
    /// Messages from one user, over REST and WebSocket alike.
    let messagesPerUser: RateLimiter?

    init(_ configuration: ServerConfiguration) {
        guard configuration.rateLimitsEnabled else {
            (self.authPerAddress, self.authPerAccount, self.messagesPerUser) = (nil, nil, nil)
            return
        }
        self.authPerAddress = RateLimiter(configuration.authRatePerAddress)
        self.authPerAccount = RateLimiter(configuration.authRatePerAccount)
        self.messagesPerUser = RateLimiter(configuration.messageRatePerUser)
    }

    /// Throws `rate_limited` (429, with the wait) when `limiter` refuses `key`.
    static func enforce(_ limiter: RateLimiter?, _ key: String, what: String) throws {
        guard let limiter, let wait = limiter.check(key) else { return }
        throw ChatError.rateLimited(what: what, retryAfter: wait)
    }
}
