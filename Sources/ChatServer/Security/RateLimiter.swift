import ChatCore
import Crypto
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
        let seconds = elapsed.timeInterval
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
        let seconds = elapsed.timeInterval
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

/// Counts requests per key (an IP address, an account, a user) against a ``RateLimit``.
///
/// Memory is bounded three ways: a key longer than ``maxKeyBytes`` is kept as its SHA-256, at most `capacity`
/// keys are held (the least recently used goes first, which is the one nearest to full), and ``sweep()``
/// (called by ``RateLimitSweeper`` on a timer, never on the request path) forgets buckets that have refilled.
final class RateLimiter: Sendable {
    let limit: RateLimit
    private let buckets: Mutex<RecentlyUsed<TokenBucket>>
    private let clock: @Sendable () -> ContinuousClock.Instant

    /// Keys longer than this are hashed.
    static let maxKeyBytes = 64

    init(_ limit: RateLimit, capacity: Int = 100_000, clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.limit = limit
        self.buckets = Mutex(RecentlyUsed(capacity: capacity))
        self.clock = clock
    }

    /// `nil` when the request may go ahead; otherwise how long to wait.
    func check(_ key: String) -> Duration? {
        let now = self.clock()
        let key = Self.storedKey(key)
        return self.buckets.withLock { buckets in
            var bucket = buckets[key] ?? TokenBucket(capacity: Double(self.limit.burst), refillPerSecond: self.limit.perMinute / 60, now: now)
            let wait = bucket.take(now: now)
            buckets[key] = bucket
            return wait
        }
    }

    /// Forgets every key whose bucket has refilled; returns how many.
    @discardableResult
    func sweep() -> Int {
        let now = self.clock()
        return self.buckets.withLock { $0.removeAll { $0.isFull(at: now) } }
    }

    /// The number of keys held.
    var keyCount: Int { self.buckets.withLock { $0.count } }

    /// The key as held: itself when short, else a hash of it (a long key is junk or an attack, never a name
    /// anybody reads).
    static func storedKey(_ key: String) -> String {
        guard key.utf8.count > Self.maxKeyBytes else { return key }
        return "sha256:" + SHA256.hash(data: Array(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// The server's rate limits, or none when `RATE_LIMITS=off`.
public struct RateLimits: Sendable {
    /// Sign-ins and registrations (guests included) from one client address.
    let authPerAddress: RateLimiter?
    /// Logins and registrations for one email address, from anywhere.
    let authPerAccount: RateLimiter?
    /// Messages from one user, over REST and WebSocket alike.
    let messagesPerUser: RateLimiter?
    /// Groups created by one user.
    let groupsPerUser: RateLimiter?
    /// Invites created by one user.
    let invitesPerUser: RateLimiter?
    /// `typing` per user and group: one goes out per 2 s, the rest are dropped. Always on, since a typing
    /// event means "for the next few seconds" and more say nothing new.
    let typing = RateLimiter(RateLimit(burst: 1, perMinute: 30))

    init(_ configuration: ServerConfiguration) {
        guard configuration.rateLimitsEnabled else {
            (self.authPerAddress, self.authPerAccount, self.messagesPerUser, self.groupsPerUser, self.invitesPerUser) = (nil, nil, nil, nil, nil)
            return
        }
        self.authPerAddress = RateLimiter(configuration.authRatePerAddress)
        self.authPerAccount = RateLimiter(configuration.authRatePerAccount)
        self.messagesPerUser = RateLimiter(configuration.messageRatePerUser)
        self.groupsPerUser = RateLimiter(configuration.groupRatePerUser)
        self.invitesPerUser = RateLimiter(configuration.inviteRatePerUser)
    }

    /// Every limiter in use, for the sweeper.
    var all: [RateLimiter] {
        [self.authPerAddress, self.authPerAccount, self.messagesPerUser, self.groupsPerUser, self.invitesPerUser, self.typing].compactMap { $0 }
    }

    /// Throws `rate_limited` (429, with the wait) when `limiter` refuses `key`.
    static func enforce(_ limiter: RateLimiter?, _ key: String, what: String) throws {
        guard let limiter, let wait = limiter.check(key) else { return }
        throw ChatError.rateLimited(what: what, retryAfter: wait)
    }
}
