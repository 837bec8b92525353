import Foundation
import Testing

@testable import ChatServer

@Suite("Presence machine: connections, the grace period, renewals and sweeps")
struct PresenceMachineTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)
    static let timing = PresenceMachine.Timing(grace: 10, renewEvery: 20, sweepEvery: 30)

    /// A machine past its first sweep, so that only connection actions remain in the first 20 seconds.
    static func machine() -> PresenceMachine {
        var machine = PresenceMachine(timing: timing, startedAt: t0)
        #expect(machine.tick(at: t0) == [.sweep], "a sweep at start clears what a dead instance left")
        return machine
    }

    static func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

    @Test("the first connection records the user online; more connections change nothing")
    func online() {
        var machine = Self.machine()
        #expect(machine.opened("bob", at: Self.at(1)) == [.online(userID: "bob", at: Self.at(1))])
        #expect(machine.opened("bob", at: Self.at(2)).isEmpty)
        #expect(machine.closed("bob", at: Self.at(3)).isEmpty)
        #expect(machine.tick(at: Self.at(15)).isEmpty, "one connection is still open")
        #expect(machine.recorded == ["bob"])
    }

    @Test("the last close goes offline only after the grace period, with the time of the close")
    func grace() {
        var machine = Self.machine()
        _ = machine.opened("bob", at: Self.at(1))
        #expect(machine.closed("bob", at: Self.at(2)).isEmpty)
        #expect(machine.tick(at: Self.at(11.9)).isEmpty)
        #expect(machine.tick(at: Self.at(12)) == [.offline(userID: "bob", at: Self.at(2))])
        #expect(machine.tick(at: Self.at(13)).isEmpty, "only once")
        #expect(machine.recorded.isEmpty)
        #expect(machine.opened("bob", at: Self.at(14)) == [.online(userID: "bob", at: Self.at(14))])
    }

    @Test("a reconnect within the grace period is not a flap: no offline, no second online")
    func noFlap() {
        var machine = Self.machine()
        _ = machine.opened("bob", at: Self.at(1))
        _ = machine.closed("bob", at: Self.at(2))
        #expect(machine.opened("bob", at: Self.at(9)).isEmpty)
        #expect(machine.tick(at: Self.at(19)).isEmpty)
        // Any input first settles what is due: a close long ago goes offline before the next open is handled.
        _ = machine.closed("bob", at: Self.at(19.5))
        #expect(machine.opened("cat", at: Self.at(29.5)) == [.offline(userID: "bob", at: Self.at(19.5)), .online(userID: "cat", at: Self.at(29.5))])
    }

    @Test("renewals while users are recorded, sweeps on their own schedule, and a stop that takes everyone offline")
    func schedule() {
        var machine = Self.machine()
        #expect(machine.tick(at: Self.at(20)).isEmpty, "nobody to renew")
        _ = machine.opened("bob", at: Self.at(21))
        _ = machine.opened("cat", at: Self.at(22))
        _ = machine.closed("cat", at: Self.at(23))
        #expect(machine.tick(at: Self.at(30)) == [.sweep])
        #expect(machine.tick(at: Self.at(40)) == [.offline(userID: "cat", at: Self.at(23)), .renew])
        #expect(machine.tick(at: Self.at(45)).isEmpty)
        #expect(machine.stop(at: Self.at(46)) == [.offline(userID: "bob", at: Self.at(46))])
        #expect(machine.recorded.isEmpty)
    }
}
