import ChatCore
import Testing

@testable import ChatTUI

@Suite("What chat-tui watch prints and fetches")
struct WatchStateTests {
    @Test("starts at each group's current seq, prints the next message once, skips other groups and repeats")
    func live() {
        var state = WatchState(groups: ["g"])
        #expect(state.ready([.init(id: "g", lastSeq: 5), .init(id: "other", lastSeq: 9)]).isEmpty)
        #expect(state.decide(UIFixture.message(5, "old", in: "g")) == .skip)
        let next = UIFixture.message(6, "new", in: "g")
        #expect(state.decide(next) == .print)
        state.printed(next)
        #expect(state.decide(next) == .skip, "printed once")
        #expect(state.decide(UIFixture.message(10, "elsewhere", in: "other")) == .skip, "not watched")
    }

    @Test("a gap in the live messages, or a group that moved on while disconnected, is fetched from the last printed seq")
    func gapsAndReconnects() {
        var state = WatchState(groups: nil)
        _ = state.ready([.init(id: "g", lastSeq: 1)])
        #expect(state.decide(UIFixture.message(4, "after a gap", in: "g")) == .catchUp(after: 1))
        state.printed(UIFixture.message(2, "fetched", in: "g"))
        // Reconnected: the group went on to 7 meanwhile; a group never seen starts where it stands.
        let behind = state.ready([.init(id: "g", lastSeq: 7), .init(id: "new", lastSeq: 3)])
        #expect(behind.map(\.group) == ["g"] && behind.map(\.after) == [2])
        #expect(state.decide(UIFixture.message(4, "n", in: "new")) == .print)
        // All groups are watched: one joined while watching is printed from its first message.
        #expect(state.decide(UIFixture.message(1, "hello", in: "joined-later")) == .print)
    }
}
