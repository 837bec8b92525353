import ChatTestSupport
import Testing

@testable import ChatCore

@Suite("Reconnect backoff")
struct BackoffTests {
    @Test("the ceiling doubles from the base up to the cap")
    func ceiling() {
        let backoff = Backoff(base: .milliseconds(500), cap: .seconds(30))
        #expect(backoff.ceiling(attempt: 0) == .milliseconds(500))
        #expect(backoff.ceiling(attempt: 1) == .seconds(1))
        #expect(backoff.ceiling(attempt: 3) == .seconds(4))
        #expect(backoff.ceiling(attempt: 6) == .seconds(30))
        #expect(backoff.ceiling(attempt: 500) == .seconds(30))
    }

    @Test("delays are jittered over [floor, ceiling], so clients spread out")
    func jitter() {
        let backoff = Backoff(base: .seconds(1), cap: .seconds(8), floor: .milliseconds(100))
        var random = SeededGenerator(state: 7)
        let delays = (0..<200).map { _ in backoff.delay(attempt: 3, using: &random) }
        #expect(delays.allSatisfy { $0 >= .milliseconds(100) && $0 <= .seconds(8) })
        #expect(Set(delays).count > 150, "full jitter spreads the delays")
        #expect(delays.contains { $0 < .seconds(2) } && delays.contains { $0 > .seconds(6) })
    }
}
