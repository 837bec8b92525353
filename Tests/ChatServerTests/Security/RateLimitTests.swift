import ChatCore
import ChatTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

@testable import ChatServer

/// A clock tests move by hand, for rate limiters.
final class ManualInstant: Sendable {
    private let value = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { self.value.withLock { $0 } }
    func advance(_ duration: Duration) { self.value.withLock { $0 = $0 + duration } }
}

@Suite("Rate limits")
struct RateLimitTests {
    @Test("a token bucket allows its burst, then one request per refill interval")
    func bucket() {
        let clock = ManualInstant()
        let limiter = RateLimiter(RateLimit(burst: 3, perMinute: 60), clock: { clock.now })
        #expect((0..<3).allSatisfy { _ in limiter.check("k") == nil })
        let wait = limiter.check("k")
        #expect(wait != nil && wait! <= .seconds(1) && wait! > .zero)
        #expect(limiter.check("other") == nil, "keys are separate")
        clock.advance(.seconds(1))
        #expect(limiter.check("k") == nil)
        #expect(limiter.check("k") != nil)
    }

    @Test("the sweep forgets refilled buckets and keeps the others; checking never sweeps")
    func sweeping() {
        let clock = ManualInstant()
        let limiter = RateLimiter(RateLimit(burst: 2, perMinute: 60), clock: { clock.now })
        for index in 0..<100 { _ = limiter.check("k\(index)") }
        clock.advance(.seconds(5))
        _ = limiter.check("new")
        #expect(limiter.keyCount == 101, "the request path does not sweep")
        #expect(limiter.sweep() == 100)
        #expect(limiter.keyCount == 1)
    }

    @Test("at most `capacity` keys are held: the least recently used goes, the recently used keeps its count")
    func boundedByRecency() {
        let clock = ManualInstant()
        let limiter = RateLimiter(RateLimit(burst: 1, perMinute: 1), capacity: 3, clock: { clock.now })
        for key in ["a", "b", "c"] { #expect(limiter.check(key) == nil) }
        #expect(limiter.check("a") != nil, "a is used up, and now the most recent")
        #expect(limiter.check("d") == nil)
        #expect(limiter.keyCount == 3)
        // b was the least recently used: it was dropped, so it starts afresh; a kept its empty bucket.
        #expect(limiter.check("b") == nil)
        #expect(limiter.check("a") != nil)
        for index in 0..<10_000 { _ = limiter.check("flood \(index)") }
        #expect(limiter.keyCount == 3)
    }

    @Test("long keys are held as a hash: bounded memory, still one bucket per key")
    func longKeysHashed() {
        let long = String(repeating: "x", count: 100_000)
        let stored = RateLimiter.storedKey(long)
        #expect(stored.utf8.count <= 71 && stored.hasPrefix("sha256:"))
        #expect(RateLimiter.storedKey(long + "y") != stored)
        #expect(RateLimiter.storedKey("203.0.113.9") == "203.0.113.9")
        let limiter = RateLimiter(RateLimit(burst: 1, perMinute: 1))
        #expect(limiter.check(long) == nil)
        #expect(limiter.check(long) != nil)
        #expect(limiter.check(long + "y") == nil)
    }

    @Test("the recently-used map keeps its links right under random use")
    func recentlyUsedModel() {
        var map = RecentlyUsed<Int>(capacity: 8)
        var model: [(key: String, value: Int)] = []
        var generator = SeededGenerator(state: 7)
        for step in 0..<5_000 {
            let key = "k\(Int.random(in: 0..<20, using: &generator))"
            switch Int.random(in: 0..<3, using: &generator) {
            case 0:
                let found = map[key]
                let index = model.firstIndex { $0.key == key }
                #expect(found == index.map { model[$0].value })
                if let index { model.append(model.remove(at: index)) }
            case 1:
                map[key] = step
                model.removeAll { $0.key == key }
                if model.count == 8 { model.removeFirst() }
                model.append((key, step))
            default:
                map[key] = nil
                model.removeAll { $0.key == key }
            }
            #expect(map.count == model.count)
        }
        let removed = map.removeAll { $0 % 2 == 0 }
        #expect(removed == model.filter { $0.value % 2 == 0 }.count)
    }

    @Test("login attempts for one account get 429 with Retry-After, from any address")
    func loginPerAccount() async throws {
        // The default burst of 5, refilled too slowly for a loaded machine's bcrypt to earn a token back.
        try await TestApp.run(
            changing: .init {
                $0.rateLimitsEnabled = true
                $0.authRatePerAccount = RateLimit(burst: 5, perMinute: 0.01)
            }
        ) { api in
            _ = try await api.register("ann@example.org", password: "right password")
            var statuses: [Int] = []
            for attempt in 0..<6 {
                let response = try await api.call(
                    .post,
                    "/auth/login",
                    json: LoginRequest(email: "ANN@example.org", password: "guess \(attempt)")
                )
                statuses.append(Int(response.status.code))
                if response.status == .tooManyRequests {
                    #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
                    try expectError(response, .tooManyRequests, "rate_limited")
                }
            }
            // register counted once for the account; 4 more guesses are 401, then 429.
            #expect(statuses == [401, 401, 401, 401, 429, 429])
        }
    }

    @Test("sign-ins from one address are limited, and X-Forwarded-For counts only behind TRUST_PROXY")
    func perAddress() async throws {
        try await TestApp.run(
            changing: .init {
                $0.rateLimitsEnabled = true
                $0.authRatePerAddress = RateLimit(burst: 3, perMinute: 1)
            }
        ) { api in
            for index in 0..<3 {
                // A forged X-Forwarded-For changes nothing without TRUST_PROXY.
                #expect(try await api.call(.post, "/auth/guest", headers: [.init("X-Forwarded-For")!: "10.0.0.\(index)"]).status == .created)
            }
            try expectError(await api.call(.post, "/auth/guest", headers: [.init("X-Forwarded-For")!: "10.0.0.9"]), .tooManyRequests, "rate_limited")
        }
        let behindProxy = ConfigurationChange { configuration in
            configuration.rateLimitsEnabled = true
            configuration.authRatePerAddress = RateLimit(burst: 1, perMinute: 1)
            configuration.trustedProxies = 1
        }
        try await TestApp.run(changing: behindProxy) { (api: API) async throws in
            // Behind one trusted proxy, the last address it appended is the client.
            let first: HTTPFields = [.init("X-Forwarded-For")!: "203.0.113.9, 10.0.0.1"]
            let second: HTTPFields = [.init("X-Forwarded-For")!: "203.0.113.9, 10.0.0.2"]
            #expect(try await api.call(.post, "/auth/guest", headers: first).status == .created)
            #expect(try await api.call(.post, "/auth/guest", headers: second).status == .created)
            #expect(try await api.call(.post, "/auth/guest", headers: first).status == .tooManyRequests)
        }
    }

    @Test("with the default limits, a burst of 20 messages passes")
    func defaultBurst() async throws {
        try await TestApp.run(
            // The test configuration as it is (default limits), with the limits on.
            changing: .init { $0.rateLimitsEnabled = true }
        ) {
            (api: API) async throws in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            for index in 0..<20 { _ = try await api.send(ann.token, group: group.id, text: "burst \(index)") }
        }
        #expect(ServerConfiguration().messageRatePerUser.burst >= 20)
    }

    @Test("a flood gets 429 on REST, and rate_limited on the WebSocket")
    func flood() async throws {
        let tight = ConfigurationChange { configuration in
            configuration.rateLimitsEnabled = true
            configuration.messageRatePerUser = RateLimit(burst: 5, perMinute: 1)
        }
        try await TestApp.run(.live, changing: tight) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            for index in 0..<5 { _ = try await api.send(ann.token, group: group.id, text: "burst \(index)") }
            let response = try await api.call(.post, "/groups/\(group.id)/messages", token: ann.token, json: SendMessageRequest(text: "one too many"))
            try expectError(response, .tooManyRequests, "rate_limited")
            #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
            let (socket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            try socket.send(.messageSend(groupId: group.id, text: "over the socket", clientId: "w-1"))
            let error = try await socket.inbox.first { $0.eventError }
            #expect(error.code == "rate_limited")
            #expect(error.clientId == "w-1")
            await socket.close()
        }
    }

    @Test("RATE_LIMITS=off turns them all off")
    func off() async throws {
        let configuration = try ServerConfiguration.resolve(flags: [:], environment: ["RATE_LIMITS": "off"], dotEnv: [:])
        #expect(!configuration.rateLimitsEnabled)
        try await TestApp.run(changing: .init { $0.rateLimitsEnabled = false }) { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            for index in 0..<60 { _ = try await api.send(ann.token, group: group.id, text: "m\(index)") }
        }
    }
}
