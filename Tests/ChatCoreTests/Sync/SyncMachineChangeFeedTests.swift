import Foundation
import Testing

@testable import ChatCore

extension Message {
    /// This message after a later change numbered `rev`.
    func changed(rev: Int64, _ change: (inout Message) -> Void) -> Message {
        var copy = self
        copy.rev = rev
        change(&copy)
        return copy
    }
}

@Suite("Sync machine: the change feed, edits, deletions and reactions")
struct SyncMachineChangeFeedTests {
    @Test("message:updated replaces the message by id, and an older version never overwrites a newer one")
    func updates() {
        var machine = Fixture.connected(loadedThrough: 3)
        let edited = Fixture.message(2).changed(rev: 4) {
            $0.text = "edited"
            $0.editedAt = Fixture.t0
        }
        #expect(machine.handle(.server(.messageUpdated(edited), at: Fixture.t0)).fetching.isEmpty)
        #expect(machine.state.groups["g"]?.messages[1].text == "edited")
        #expect(machine.state.groups["g"]?.rev == 4)
        let reacted = edited.changed(rev: 5) { $0.reactions = [Reaction(emoji: "👍", userIds: ["bob"])] }
        _ = machine.handle(.server(.messageUpdated(reacted), at: Fixture.t0))
        // A stale copy (a page read before the reaction) arrives late: it is ignored.
        _ = machine.handle(.changesLoaded(groupId: "g", page: ChangePage(messages: [edited], rev: 5, hasMore: false)))
        #expect(machine.state.groups["g"]?.messages[1] == reacted)
        #expect(machine.seqs() == [1, 2, 3])
    }

    @Test("a deletion leaves a tombstone in place, which no longer counts as unread")
    func deletion() {
        var machine = Fixture.connected(loadedThrough: 3, groups: ["g", "h"])
        _ = machine.handle(.focus(groupId: "h"))
        _ = machine.handle(.server(.messageNew(Fixture.message(4)), at: Fixture.t0))
        _ = machine.handle(.server(.messageNew(Fixture.message(5)), at: Fixture.t0))
        #expect(machine.state.groups["g"]?.unread == 2)
        let tombstone = Fixture.message(4).changed(rev: 6) {
            $0.text = ""
            $0.deleted = true
            $0.deletedAt = Fixture.t0
        }
        _ = machine.handle(.server(.messageUpdated(tombstone), at: Fixture.t0))
        #expect(machine.seqs() == [1, 2, 3, 4, 5], "the tombstone keeps its seq")
        #expect(machine.state.groups["g"]?.messages[3].deleted == true)
        #expect(machine.state.groups["g"]?.unread == 1)
    }

    @Test("an update seen beyond a gap asks for the change feed; the page brings every message in its final state")
    func missedChanges() {
        var machine = Fixture.connected(loadedThrough: 3)
        // While offline: 4 was created (rev 4) and edited (rev 6), 5 created (rev 5) and deleted (rev 7), and 1
        // got two reactions (revs 8, 9). Then a reaction on 2 arrives live: rev 10.
        let live = Fixture.message(2).changed(rev: 10) { $0.reactions = [Reaction(emoji: "🎉", userIds: ["bob"])] }
        #expect(machine.handle(.server(.messageUpdated(live), at: Fixture.t0)) == [.fetchChanges(groupId: "g", since: 3)])
        let four = Fixture.message(4).changed(rev: 6) { $0.text = "four, edited" }
        let five = Fixture.message(5).changed(rev: 7) {
            $0.text = ""
            $0.deleted = true
        }
        let one = Fixture.message(1).changed(rev: 9) { $0.reactions = [Reaction(emoji: "👍", userIds: ["bob", "me"])] }
        let page = ChangePage(messages: [four, five, one, live], rev: 10, hasMore: false)
        #expect(machine.handle(.changesLoaded(groupId: "g", page: page)).fetching.isEmpty)
        let messages = machine.state.groups["g"]?.messages ?? []
        #expect(messages.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(messages == [one, live, Fixture.message(3), four, five])
        #expect(machine.state.groups["g"]?.rev == 10)
        #expect(machine.state.groups["g"]?.catchingUp == false)
    }

    @Test("gaps seen while a fetch is in flight are covered by it, and what it could not cover is fetched after it")
    func oneFetchAtATime() {
        var machine = Fixture.connected(loadedThrough: 3)
        _ = machine.handle(.server(.messageNew(Fixture.message(5)), at: Fixture.t0))
        #expect(machine.handle(.server(.messageUpdated(Fixture.message(1, rev: 10)), at: Fixture.t0)).fetching.isEmpty)
        // The page was read when the group was at rev 8: rev 10 came later, and rev 9 is not known yet.
        let page = ChangePage(messages: [Fixture.message(4), Fixture.message(5)], rev: 8, hasMore: false)
        #expect(machine.handle(.changesLoaded(groupId: "g", page: page)).fetching == [.fetchChanges(groupId: "g", since: 8)])
        _ = machine.handle(.changesLoaded(groupId: "g", page: ChangePage(messages: [Fixture.message(1, rev: 10)], rev: 10, hasMore: false)))
        #expect(machine.state.groups["g"]?.rev == 10)
        #expect(machine.state.groups["g"]?.catchingUp == false)
    }

    @Test("a fetch from an earlier rev than the one in flight waits for it, then goes out")
    func refetchFromEarlier() {
        var machine = SyncMachine(me: Fixture.me)
        _ = machine.handle(.groupsLoaded([Fixture.group("g", lastSeq: 10)]))
        _ = machine.handle(.focus(groupId: "g"))
        _ = machine.handle(.newestLoaded(groupId: "g", page: Fixture.page(6...10, cursor: "c6")))
        #expect(machine.handle(.loadOlder(groupId: "g")) == [.loadOlder(groupId: "g", cursor: "c6")])
        // While the older page is on its way, a gap opens: a fetch from rev 10 goes out.
        #expect(machine.handle(.server(.messageNew(Fixture.message(12)), at: Fixture.t0)) == [.fetchChanges(groupId: "g", since: 10)])
        // The older page may have missed the change at rev 12's predecessors, and rev 12: it asks from rev 10,
        // which the fetch in flight already covers.
        #expect(machine.handle(.olderLoaded(groupId: "g", page: Fixture.page(1...5))).fetching.isEmpty)
        let page = ChangePage(messages: [Fixture.message(11), Fixture.message(12)], rev: 12, hasMore: false)
        #expect(machine.handle(.changesLoaded(groupId: "g", page: page)).fetching.isEmpty)
        #expect(machine.seqs() == Array(1...12))
        // An older page asked for before a change it may have missed, answered while a later fetch is out.
        #expect(machine.handle(.server(.messageNew(Fixture.message(14)), at: Fixture.t0)).fetching == [.fetchChanges(groupId: "g", since: 12)])
        var older = machine
        older.state.groups["g"]?.pageRequestedAt = 11
        #expect(older.handle(.olderLoaded(groupId: "g", page: MessagePage(messages: [], nextCursor: nil, hasMore: false))).fetching.isEmpty)
        let after = older.handle(.changesLoaded(groupId: "g", page: ChangePage(messages: [Fixture.message(13)], rev: 14, hasMore: false)))
        #expect(after.fetching == [.fetchChanges(groupId: "g", since: 11)])
    }

    @Test("changes seen while the first page is on its way are fetched again once it arrives")
    func pageRace() {
        var machine = SyncMachine(me: Fixture.me)
        _ = machine.handle(.groupsLoaded([Fixture.group("g", lastSeq: 3)]))
        _ = machine.handle(.ready(.init(user: Fixture.me, groups: [Fixture.cursor("g", lastSeq: 3)])))
        #expect(machine.handle(.focus(groupId: "g")) == [.loadNewest(groupId: "g")])
        // An edit of message 2 arrives before the page, which may have been read before it.
        _ = machine.handle(.server(.messageUpdated(Fixture.message(2, rev: 4)), at: Fixture.t0))
        let actions = machine.handle(.newestLoaded(groupId: "g", page: Fixture.page(1...3)))
        #expect(actions.fetching == [.fetchChanges(groupId: "g", since: 3)])
        // Without changes in between, a page needs no second look.
        var quiet = SyncMachine(me: Fixture.me)
        _ = quiet.handle(.groupsLoaded([Fixture.group("g", lastSeq: 3)]))
        _ = quiet.handle(.focus(groupId: "g"))
        #expect(quiet.handle(.newestLoaded(groupId: "g", page: Fixture.page(1...3))).fetching.isEmpty)
    }

    @Test("a change to a message older than what is loaded is dropped: its page is read afresh later")
    func olderThanLoaded() {
        var machine = SyncMachine(me: Fixture.me)
        _ = machine.handle(.groupsLoaded([Fixture.group("g", lastSeq: 10)]))
        _ = machine.handle(.focus(groupId: "g"))
        _ = machine.handle(.newestLoaded(groupId: "g", page: Fixture.page(6...10, cursor: "c6")))
        _ = machine.handle(.server(.messageUpdated(Fixture.message(2, rev: 11)), at: Fixture.t0))
        #expect(machine.seqs() == Array(6...10))
        #expect(machine.state.groups["g"]?.rev == 11)
    }
}

@Suite("Sync machine: read markers and presence")
struct SyncMachineReadTests {
    @Test("the server's unread count stands for messages not held, until the marker reaches what is held")
    func serverCount() {
        var machine = SyncMachine(me: Fixture.me)
        _ = machine.handle(.groupsLoaded([Fixture.group("g", lastSeq: 100, readSeq: 40, unread: 55)]))
        #expect(machine.state.groups["g"]?.unread == 55)
        _ = machine.handle(.server(.messageNew(Fixture.message(101)), at: Fixture.t0))
        #expect(machine.state.groups["g"]?.unread == 56)
        // Another device read everything.
        _ = machine.handle(.server(.read(.init(groupId: "g", seq: 101)), at: Fixture.t0))
        #expect(machine.state.groups["g"]?.unread == 0)
        #expect(machine.state.groups["g"]?.readSeq == 101)
        // A marker never moves back.
        _ = machine.handle(.server(.read(.init(groupId: "g", seq: 90)), at: Fixture.t0))
        #expect(machine.state.groups["g"]?.readSeq == 101)
    }

    @Test("a marker the server missed while offline is sent again after ready")
    func resendMarker() {
        var machine = Fixture.connected(loadedThrough: 3)
        _ = machine.handle(.connection(.reconnecting(retryIn: .seconds(1))))
        #expect(machine.handle(.server(.messageNew(Fixture.message(4)), at: Fixture.t0)) == [.markRead(groupId: "g", seq: 4)])
        let actions = machine.handle(.ready(.init(user: Fixture.me, groups: [Fixture.cursor("g", lastSeq: 4, readSeq: 3)])))
        #expect(actions == [.markRead(groupId: "g", seq: 4)])
        #expect(machine.state.groups["g"]?.readSeq == 4)
    }

    @Test("presence events and loaded member lists fill in who is online")
    func presence() {
        var machine = Fixture.connected()
        let seen = Fixture.t0.addingTimeInterval(60)
        _ = machine.handle(.server(.presence(.init(userId: "bob", status: .online, lastSeenAt: Fixture.t0)), at: Fixture.t0))
        #expect(machine.state.presence["bob"] == Presence(status: .online, lastSeenAt: Fixture.t0))
        _ = machine.handle(.server(.presence(.init(userId: "bob", status: .offline, lastSeenAt: seen)), at: seen))
        #expect(machine.state.presence["bob"]?.status == .offline)
        let carol = MemberPresence(
            user: .init(id: "carol", displayName: "Carol"),
            role: .admin,
            joinedAt: Fixture.t0,
            presence: Presence(status: .online, lastSeenAt: seen)
        )
        _ = machine.handle(.presenceLoaded([carol]))
        #expect(machine.state.presence["carol"] == carol.presence)
    }
}
