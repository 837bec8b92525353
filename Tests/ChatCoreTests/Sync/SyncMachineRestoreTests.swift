import Foundation
import Testing

@testable import ChatCore

@Suite("SyncMachine restored from a cache: shown at once, caught up through the change feed, older pages by seq")
struct SyncMachineRestoreTests {
    /// Group "g" held with messages 41…50, complete up to rev 50; group "h" listed but never opened.
    static func snapshot(outbox: [OutgoingMessage] = []) -> SyncSnapshot {
        SyncSnapshot(
            groups: [
                .init(
                    group: Fixture.group("g", lastSeq: 50, readSeq: 45),
                    loaded: true,
                    messages: (41...50).map { Fixture.message($0) },
                    rev: 50,
                    readSeq: 45
                ),
                .init(group: Fixture.group("h", lastSeq: 7), loaded: false, messages: [], rev: 7, readSeq: 7),
            ],
            outbox: outbox
        )
    }

    @Test("the held groups and messages are the state before any network answer, with the unread count from the marker")
    func shownAtOnce() {
        let machine = SyncMachine(me: Fixture.me, restoring: Self.snapshot())
        #expect(machine.state.groupOrder == ["g", "h"])
        let g = machine.state.groups["g"]
        #expect(g?.loaded == true)
        #expect(g?.messages.map(\.seq) == Array(41...50))
        #expect(g?.unread == 5)
        #expect(g?.hasOlder == true)
        #expect(machine.state.groups["h"]?.loaded == false)
        #expect(machine.state.connection == .offline)
    }

    @Test("ready with a later rev asks for the changes since the held rev; an unopened group loads its newest page when focused")
    func catchUp() {
        var machine = SyncMachine(me: Fixture.me, restoring: Self.snapshot())
        let actions = machine.handle(
            .ready(.init(user: Fixture.me, groups: [Fixture.cursor("g", lastSeq: 53, rev: 55), Fixture.cursor("h", lastSeq: 7)]))
        )
        #expect(actions.contains(.fetchChanges(groupId: "g", since: 50)))
        #expect(!actions.contains(.loadGroups))
        let page = ChangePage(messages: [Fixture.message(44, rev: 54)] + (51...53).map { Fixture.message($0) }, rev: 55, hasMore: false)
        _ = machine.handle(.changesLoaded(groupId: "g", page: page))
        #expect(machine.state.groups["g"]?.messages.map(\.seq) == Array(41...53))
        #expect(machine.state.groups["g"]?.messages.first { $0.seq == 44 }?.rev == 54, "an edit made while away")
        #expect(machine.handle(.focus(groupId: "h")) == [.loadNewest(groupId: "h")])
    }

    @Test("older pages of a restored timeline load by seq; only a run that meets the oldest held joins; none left ends it")
    func olderBySeq() {
        var machine = SyncMachine(me: Fixture.me, restoring: Self.snapshot())
        #expect(machine.handle(.loadOlder(groupId: "g")) == [.loadBefore(groupId: "g", seq: 41)])
        #expect(machine.handle(.loadOlder(groupId: "g")).isEmpty, "one at a time")
        _ = machine.handle(.olderLoadedBefore(groupId: "g", seq: 41, messages: (31...40).map { Fixture.message($0) }))
        #expect(machine.state.groups["g"]?.messages.map(\.seq) == Array(31...50))
        #expect(machine.handle(.loadOlder(groupId: "g")) == [.loadBefore(groupId: "g", seq: 31)])
        // A page with a hole before the oldest held (retention erased 30) joins nothing, and nothing older is asked.
        _ = machine.handle(.olderLoadedBefore(groupId: "g", seq: 31, messages: (21...29).map { Fixture.message($0) }))
        #expect(machine.state.groups["g"]?.messages.first?.seq == 31)
        #expect(machine.state.groups["g"]?.hasOlder == false)
        #expect(machine.handle(.loadOlder(groupId: "g")).isEmpty)
    }

    @Test("the outbox comes back: a message caught in flight is queued again and goes out after ready, failed ones stay failed")
    func outbox() {
        let sent = OutgoingMessage(clientId: "c1", groupId: "g", text: "in flight", createdAt: Fixture.t0, status: .sending, attempts: 1)
        let refused = OutgoingMessage(clientId: "c0", groupId: "g", text: "too long", createdAt: Fixture.t0, status: .failed("too long"))
        var machine = SyncMachine(me: Fixture.me, restoring: Self.snapshot(outbox: [refused, sent]))
        #expect(machine.state.outbox.map(\.status) == [.failed("too long"), .queued])
        let actions = machine.handle(.ready(.init(user: Fixture.me, groups: [Fixture.cursor("g", lastSeq: 50), Fixture.cursor("h", lastSeq: 7)])))
        let delivered = actions.compactMap { action -> String? in
            if case .deliver(let message) = action { message.clientId } else { nil }
        }
        #expect(delivered == ["c1"])
    }

    @Test("a snapshot of a state keeps the newest messages of loaded groups, up to the limit, and the outbox")
    func snapshotOfState() {
        var machine = SyncMachine(me: Fixture.me, restoring: Self.snapshot())
        _ = machine.handle(.send(groupId: "g", text: "hi", clientId: "c9", at: Fixture.t0))
        let kept = SyncSnapshot(machine.state, limit: 4)
        #expect(kept.groups.map(\.group.id) == ["g", "h"])
        #expect(kept.groups[0].messages.map(\.seq) == [47, 48, 49, 50])
        #expect(kept.groups[0].rev == 50 && kept.groups[0].loaded)
        #expect(kept.groups[1].messages.isEmpty && !kept.groups[1].loaded)
        #expect(kept.outbox.map(\.clientId) == ["c9"])
        // What a trimmed snapshot restores is a timeline that pages older by seq from its oldest.
        var restored = SyncMachine(me: Fixture.me, restoring: kept)
        #expect(restored.handle(.loadOlder(groupId: "g")) == [.loadBefore(groupId: "g", seq: 47)])
    }

    @Test("a quoted message fetched on its own is kept beside the timeline, not in it (which stays contiguous)")
    func quoteLoaded() {
        var machine = SyncMachine(me: Fixture.me, restoring: Self.snapshot())
        #expect(machine.handle(.quoteLoaded(Fixture.message(3))).isEmpty)
        #expect(machine.state.groups["g"]?.quoted[Fixture.message(3).id]?.seq == 3)
        #expect(machine.state.groups["g"]?.messages.map(\.seq) == Array(41...50))
        _ = machine.handle(.quoteLoaded(Fixture.message(3, in: "elsewhere")))
        #expect(machine.state.groups["elsewhere"] == nil, "a group not held is not made up")
    }
}
