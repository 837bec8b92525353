import Foundation
import Testing

@testable import ChatCore

/// Builders for the machine's inputs.
enum Fixture {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    static let me = User(id: "me", displayName: "Me", email: nil, isGuest: true, createdAt: t0)
    static let bob = UserSummary(id: "bob", displayName: "Bob")

    static func group(_ id: String, lastSeq: Int64 = 0, readSeq: Int64? = nil, unread: Int = 0) -> Group {
        Group(
            id: id,
            name: id.uppercased(),
            createdAt: t0,
            role: .member,
            memberCount: 2,
            lastSeq: lastSeq,
            rev: lastSeq,
            readSeq: readSeq ?? lastSeq,
            unreadCount: unread
        )
    }

    /// A group's cursor in `ready`, where nothing but messages changed: `rev` is the newest `seq`.
    static func cursor(_ id: String, lastSeq: Int64, rev: Int64? = nil, readSeq: Int64? = nil, unread: Int = 0) -> ServerEvent.GroupCursor {
        .init(id: id, lastSeq: lastSeq, rev: rev ?? lastSeq, readSeq: readSeq ?? lastSeq, unreadCount: unread)
    }

    /// A message whose creation was its group's change number `rev` (by default its `seq`: nothing else changed).
    static func message(
        _ seq: Int64,
        in group: String = "g",
        from sender: UserSummary = bob,
        clientId: String? = nil,
        rev: Int64? = nil
    ) -> Message {
        Message(
            id: "\(group)-\(seq)",
            groupId: group,
            seq: seq,
            rev: rev ?? seq,
            sender: sender,
            text: "message \(seq)",
            createdAt: t0.addingTimeInterval(Double(seq)),
            clientId: clientId
        )
    }

    static func page(_ seqs: ClosedRange<Int64>, in group: String = "g", cursor: String? = nil) -> MessagePage {
        MessagePage(messages: seqs.map { message($0, in: group) }, nextCursor: cursor, hasMore: cursor != nil)
    }

    /// A machine that is connected, with group "g" loaded up to `loadedThrough` and focused.
    static func connected(loadedThrough seq: Int64 = 3, groups: [String] = ["g"]) -> SyncMachine {
        var machine = SyncMachine(me: me)
        _ = machine.handle(.groupsLoaded(groups.map { group($0, lastSeq: $0 == "g" ? seq : 0) }))
        _ = machine.handle(.ready(.init(user: me, groups: groups.map { cursor($0, lastSeq: $0 == "g" ? seq : 0) })))
        _ = machine.handle(.focus(groupId: "g"))
        _ = machine.handle(.newestLoaded(groupId: "g", page: seq > 0 ? page(1...seq) : MessagePage(messages: [], nextCursor: nil, hasMore: false)))
        return machine
    }
}

extension SyncMachine {
    func seqs(_ group: String = "g") -> [Int64] { self.state.groups[group]?.messages.map(\.seq) ?? [] }
}

extension [SyncAction] {
    /// The actions but read-marker moves, which the focused group makes whenever it grows (tested on their own).
    var fetching: [SyncAction] { self.filter { if case .markRead = $0 { false } else { true } } }

    /// The clientIds of the messages handed to the transport.
    var deliveries: [String] { self.compactMap { if case .deliver(let message) = $0 { message.clientId } else { nil } } }
}

@Suite("Sync machine: merging pages and live events")
struct SyncMachineMergeTests {
    @Test("focusing an unloaded group loads its newest page")
    func focusLoads() {
        var machine = SyncMachine(me: Fixture.me)
        _ = machine.handle(.groupsLoaded([Fixture.group("g", lastSeq: 9)]))
        #expect(machine.handle(.focus(groupId: "g")) == [.loadNewest(groupId: "g")])
        #expect(machine.handle(.focus(groupId: "g")).isEmpty, "no second request while one is in flight")
        _ = machine.handle(.newestLoaded(groupId: "g", page: Fixture.page(5...9, cursor: "c5")))
        #expect(machine.seqs() == [5, 6, 7, 8, 9])
        #expect(machine.state.groups["g"]?.hasOlder == true)
    }

    @Test("the next seq is appended, and duplicates are dropped")
    func appendAndDeduplicate() {
        var machine = Fixture.connected(loadedThrough: 3)
        #expect(machine.handle(.server(.messageNew(Fixture.message(4)), at: Fixture.t0)).fetching.isEmpty)
        _ = machine.handle(.server(.messageNew(Fixture.message(4)), at: Fixture.t0))
        _ = machine.handle(.server(.messageNew(Fixture.message(2)), at: Fixture.t0))
        _ = machine.handle(
            .changesLoaded(groupId: "g", page: ChangePage(messages: [Fixture.message(3), Fixture.message(4)], rev: 4, hasMore: false))
        )
        #expect(machine.seqs() == [1, 2, 3, 4])
        #expect(machine.state.groups["g"]?.rev == 4)
    }

    @Test("a seq jump holds the message back and asks for the change feed from the last complete rev, once")
    func gapTriggersCatchUp() {
        var machine = Fixture.connected(loadedThrough: 3)
        #expect(machine.handle(.server(.messageNew(Fixture.message(6)), at: Fixture.t0)) == [.fetchChanges(groupId: "g", since: 3)])
        #expect(machine.seqs() == [1, 2, 3])
        #expect(machine.state.groups["g"]?.ahead.map(\.seq) == [6])
        #expect(machine.handle(.server(.messageNew(Fixture.message(7)), at: Fixture.t0)).isEmpty, "one fetch at a time")
        let page = ChangePage(messages: [Fixture.message(4), Fixture.message(5), Fixture.message(6)], rev: 6, hasMore: false)
        #expect(machine.handle(.changesLoaded(groupId: "g", page: page)).fetching.isEmpty)
        #expect(machine.seqs() == [1, 2, 3, 4, 5, 6, 7])
        #expect(machine.state.groups["g"]?.ahead.isEmpty == true)
        #expect(machine.state.groups["g"]?.catchingUp == false)
        #expect(machine.state.groups["g"]?.rev == 7, "rev 7 was seen live and is contiguous after the page")
    }

    @Test("reordered arrivals fill in; the fetch's answer later doubles nothing")
    func reordering() {
        var machine = Fixture.connected(loadedThrough: 3)
        let first = machine.handle(.server(.messageNew(Fixture.message(5)), at: Fixture.t0))
        #expect(first == [.fetchChanges(groupId: "g", since: 3)])
        _ = machine.handle(.server(.messageNew(Fixture.message(4)), at: Fixture.t0))
        #expect(machine.seqs() == [1, 2, 3, 4, 5])
        #expect(machine.state.groups["g"]?.rev == 5)
        _ = machine.handle(
            .changesLoaded(groupId: "g", page: ChangePage(messages: [Fixture.message(4), Fixture.message(5)], rev: 5, hasMore: false))
        )
        #expect(machine.seqs() == [1, 2, 3, 4, 5])
    }

    @Test("a change feed with more pages is read page after page, from each page's rev")
    func paging() {
        var machine = Fixture.connected(loadedThrough: 3)
        _ = machine.handle(.server(.messageNew(Fixture.message(9)), at: Fixture.t0))
        let next = machine.handle(
            .changesLoaded(groupId: "g", page: ChangePage(messages: [Fixture.message(4), Fixture.message(5)], rev: 5, hasMore: true))
        )
        #expect(next.fetching == [.fetchChanges(groupId: "g", since: 5)])
        #expect(machine.seqs() == [1, 2, 3, 4, 5])
        #expect(machine.state.groups["g"]?.catchingUp == true)
        let last = ChangePage(messages: (6...8).map { Fixture.message($0) }, rev: 9, hasMore: false)
        #expect(machine.handle(.changesLoaded(groupId: "g", page: last)).fetching.isEmpty)
        #expect(machine.seqs() == Array(1...9))
        #expect(machine.state.groups["g"]?.rev == 9)
    }

    @Test("live messages of a group not yet loaded wait, and join its first page")
    func liveBeforeLoad() {
        var machine = SyncMachine(me: Fixture.me)
        _ = machine.handle(.groupsLoaded([Fixture.group("g", lastSeq: 4)]))
        _ = machine.handle(.server(.messageNew(Fixture.message(5)), at: Fixture.t0))
        _ = machine.handle(.server(.messageNew(Fixture.message(6)), at: Fixture.t0))
        _ = machine.handle(.focus(groupId: "g"))
        // The page was read before 6 was committed.
        #expect(machine.handle(.newestLoaded(groupId: "g", page: Fixture.page(1...5))).fetching.isEmpty)
        #expect(machine.seqs() == [1, 2, 3, 4, 5, 6])
    }

    @Test("older pages are prepended without overlap, until the first message")
    func olderPages() {
        var machine = SyncMachine(me: Fixture.me)
        _ = machine.handle(.groupsLoaded([Fixture.group("g", lastSeq: 10)]))
        _ = machine.handle(.focus(groupId: "g"))
        _ = machine.handle(.newestLoaded(groupId: "g", page: Fixture.page(6...10, cursor: "c6")))
        #expect(machine.handle(.loadOlder(groupId: "g")) == [.loadOlder(groupId: "g", cursor: "c6")])
        #expect(machine.handle(.loadOlder(groupId: "g")).isEmpty, "one at a time")
        _ = machine.handle(.olderLoaded(groupId: "g", page: Fixture.page(1...6)))
        #expect(machine.seqs() == Array(1...10))
        #expect(machine.state.groups["g"]?.hasOlder == false)
        #expect(machine.handle(.loadOlder(groupId: "g")).isEmpty, "nothing older remains")
    }

    @Test("a reconnect asks for the change feed of each group that changed, and reloads the list when a group is new")
    func reconnect() {
        var machine = Fixture.connected(loadedThrough: 3, groups: ["g", "h"])
        _ = machine.handle(.connection(.reconnecting(retryIn: .seconds(1))))
        #expect(machine.state.connection == .reconnecting(retryIn: .seconds(1)))
        let cursors = [Fixture.cursor("g", lastSeq: 7), Fixture.cursor("h", lastSeq: 0), Fixture.cursor("new", lastSeq: 2)]
        let actions = machine.handle(.ready(.init(user: Fixture.me, groups: cursors)))
        #expect(actions == [.fetchChanges(groupId: "g", since: 3), .loadGroups], "h did not change, and is not loaded anyway")
        #expect(machine.state.connection == .connected)
        #expect(machine.state.groups["g"]?.catchingUp == true)
        _ = machine.handle(.server(.messageNew(Fixture.message(8)), at: Fixture.t0))
        _ = machine.handle(.changesLoaded(groupId: "g", page: ChangePage(messages: (4...7).map { Fixture.message($0) }, rev: 7, hasMore: false)))
        #expect(machine.seqs() == Array(1...8))
        #expect(machine.state.groups["g"]?.rev == 8)
    }
}

@Suite("Sync machine: the outbox")
struct SyncMachineOutboxTests {
    @Test("a send is pending until acknowledged, then takes its place by seq")
    func optimisticSend() {
        var machine = Fixture.connected(loadedThrough: 3)
        let actions = machine.handle(.send(groupId: "g", text: "hi", clientId: "c1", at: Fixture.t0))
        guard case .deliver(let outgoing) = actions.first else {
            Issue.record("expected a delivery, got \(actions)")
            return
        }
        #expect(outgoing.clientId == "c1")
        #expect(machine.state.pending(in: "g").map(\.status) == [.sending])
        let stored = Fixture.message(4, from: Fixture.me.summary, clientId: "c1")
        _ = machine.handle(.delivered(clientId: "c1", message: stored))
        #expect(machine.state.outbox.isEmpty)
        #expect(machine.seqs() == [1, 2, 3, 4])
    }

    @Test("the live echo of one's own message also settles it, and the later ack changes nothing")
    func echoBeforeAck() {
        var machine = Fixture.connected(loadedThrough: 3)
        _ = machine.handle(.send(groupId: "g", text: "hi", clientId: "c1", at: Fixture.t0))
        let stored = Fixture.message(4, from: Fixture.me.summary, clientId: "c1")
        _ = machine.handle(.server(.messageNew(stored), at: Fixture.t0))
        #expect(machine.state.outbox.isEmpty)
        _ = machine.handle(.delivered(clientId: "c1", message: stored))
        #expect(machine.seqs() == [1, 2, 3, 4])
        #expect(machine.state.groups["g"]?.unread == 0, "one's own messages are never unread")
    }

    @Test("offline sends wait, and go out one at a time, in order, on the next connection, with the same clientId")
    func offlineQueue() {
        var machine = Fixture.connected(loadedThrough: 3)
        _ = machine.handle(.connection(.reconnecting(retryIn: .seconds(2))))
        #expect(machine.handle(.send(groupId: "g", text: "one", clientId: "c1", at: Fixture.t0)).isEmpty)
        #expect(machine.handle(.send(groupId: "g", text: "two", clientId: "c2", at: Fixture.t0)).isEmpty)
        #expect(machine.state.outbox.map(\.status) == [.queued, .queued])
        let actions = machine.handle(.ready(.init(user: Fixture.me, groups: [Fixture.cursor("g", lastSeq: 3)])))
        #expect(actions.deliveries == ["c1"])
        #expect(machine.state.outbox.map(\.status) == [.sending, .queued])
        let next = machine.handle(.delivered(clientId: "c1", message: Fixture.message(4, from: Fixture.me.summary, clientId: "c1")))
        #expect(next.deliveries == ["c2"])
    }

    @Test("sends to several groups leave in the order written, each once the one before it is stored")
    func orderAcrossGroups() {
        var machine = Fixture.connected(loadedThrough: 3, groups: ["g", "h"])
        var delivered: [String] = []
        for (index, group) in ["g", "h", "g", "h", "h"].enumerated() {
            delivered += machine.handle(.send(groupId: group, text: "\(index)", clientId: "c\(index)", at: Fixture.t0)).deliveries
        }
        #expect(delivered == ["c0"], "one message in flight at a time")
        var seqs: [String: Int64] = ["g": 3, "h": 0]
        while let sending = machine.state.outbox.first(where: { $0.status == .sending }) {
            seqs[sending.groupId, default: 0] += 1
            let stored = Fixture.message(seqs[sending.groupId]!, in: sending.groupId, from: Fixture.me.summary, clientId: sending.clientId)
            delivered += machine.handle(.delivered(clientId: sending.clientId, message: stored)).deliveries
        }
        #expect(delivered == ["c0", "c1", "c2", "c3", "c4"])
        #expect(machine.state.outbox.isEmpty)
    }

    @Test("the live echo of the message in flight lets the next one go, and its late answer sends nothing twice")
    func echoReleasesNext() {
        var machine = Fixture.connected(loadedThrough: 3)
        _ = machine.handle(.send(groupId: "g", text: "one", clientId: "c1", at: Fixture.t0))
        _ = machine.handle(.send(groupId: "g", text: "two", clientId: "c2", at: Fixture.t0))
        let stored = Fixture.message(4, from: Fixture.me.summary, clientId: "c1")
        #expect(machine.handle(.server(.messageNew(stored), at: Fixture.t0)).deliveries == ["c2"])
        #expect(machine.handle(.delivered(clientId: "c1", message: stored)).deliveries.isEmpty)
        #expect(machine.state.outbox.map(\.status) == [.sending])
    }

    @Test("a reply carries the message it answers to the transport")
    func reply() {
        var machine = Fixture.connected(loadedThrough: 3)
        let actions = machine.handle(.send(groupId: "g", text: "yes", clientId: "c1", at: Fixture.t0, replyTo: "g-2"))
        guard case .deliver(let outgoing) = actions.first else {
            Issue.record("expected a delivery, got \(actions)")
            return
        }
        #expect(outgoing.replyTo == "g-2")
    }

    @Test("a delivery cut by the network holds the rest back and is retried first, with the same clientId; a refusal lets the next go")
    func failures() {
        var machine = Fixture.connected(loadedThrough: 3)
        _ = machine.handle(.send(groupId: "g", text: "hi", clientId: "c1", at: Fixture.t0))
        _ = machine.handle(.send(groupId: "g", text: String(repeating: "x", count: 5000), clientId: "c2", at: Fixture.t0))
        _ = machine.handle(.send(groupId: "g", text: "after", clientId: "c3", at: Fixture.t0))
        let retry = machine.handle(.deliveryFailed(clientId: "c1", reason: "cannot reach the server", retryable: true))
        #expect(retry == [.wakeUp(at: .distantPast)])
        #expect(machine.state.outbox.map(\.status) == [.queued, .queued, .queued])
        // A message written meanwhile waits behind the one to retry.
        #expect(machine.handle(.send(groupId: "g", text: "later", clientId: "c4", at: Fixture.t0)).deliveries.isEmpty)
        // The first tick schedules the retry after a backoff; the tick at that time delivers the same message.
        let schedule = machine.handle(.tick(Fixture.t0))
        guard case .wakeUp(let at) = schedule.last else {
            Issue.record("expected a wake-up, got \(schedule)")
            return
        }
        #expect(at > Fixture.t0)
        #expect(machine.handle(.tick(at.addingTimeInterval(-0.001))).deliveries.isEmpty)
        let again = machine.handle(.tick(at))
        #expect(again.contains { if case .deliver(let message) = $0 { message.clientId == "c1" && message.attempts == 2 } else { false } })
        let stored = Fixture.message(4, from: Fixture.me.summary, clientId: "c1")
        #expect(machine.handle(.delivered(clientId: "c1", message: stored)).deliveries == ["c2"])
        let refused = machine.handle(.deliveryFailed(clientId: "c2", reason: "text may be at most 4000 characters.", retryable: false))
        #expect(refused.deliveries == ["c3"])
        #expect(machine.state.outbox.map(\.status) == [.failed("text may be at most 4000 characters."), .sending, .queued])
        _ = machine.handle(.discard(clientId: "c2"))
        #expect(machine.state.outbox.map(\.clientId) == ["c3", "c4"])
    }

    @Test("a retry held back by its backoff goes at once on a new connection")
    func retryOnReconnect() {
        var machine = Fixture.connected(loadedThrough: 3)
        _ = machine.handle(.send(groupId: "g", text: "hi", clientId: "c1", at: Fixture.t0))
        _ = machine.handle(.deliveryFailed(clientId: "c1", reason: "cannot reach the server", retryable: true))
        _ = machine.handle(.connection(.reconnecting(retryIn: .seconds(1))))
        #expect(machine.handle(.tick(Fixture.t0)).deliveries.isEmpty)
        let actions = machine.handle(.ready(.init(user: Fixture.me, groups: [Fixture.cursor("g", lastSeq: 3)])))
        #expect(actions.deliveries == ["c1"])
    }

    @Test("an error event about a send marks that message, and others become a notice")
    func errorEvents() {
        var machine = Fixture.connected(loadedThrough: 3)
        _ = machine.handle(.send(groupId: "g", text: "hi", clientId: "c1", at: Fixture.t0))
        _ = machine.handle(.server(.error(.init(code: "group_not_found", message: "No such group.", clientId: "c1")), at: Fixture.t0))
        #expect(machine.state.outbox.first?.status == .failed("No such group."))
        _ = machine.handle(.server(.error(.init(code: "invalid_frame", message: "Bad frame.")), at: Fixture.t0))
        #expect(machine.state.notice == "Bad frame.")
    }
}

@Suite("Sync machine: unread counts, order and typing")
struct SyncMachineStateTests {
    @Test("messages from others in other groups are unread until the group is shown, which moves the read marker")
    func unread() {
        var machine = Fixture.connected(loadedThrough: 3, groups: ["g", "h"])
        _ = machine.handle(.server(.messageNew(Fixture.message(1, in: "h")), at: Fixture.t0))
        _ = machine.handle(.server(.messageNew(Fixture.message(2, in: "h")), at: Fixture.t0))
        _ = machine.handle(.server(.messageNew(Fixture.message(2, in: "h")), at: Fixture.t0))
        #expect(machine.handle(.server(.messageNew(Fixture.message(4)), at: Fixture.t0)) == [.markRead(groupId: "g", seq: 4)])
        #expect(machine.state.groups["h"]?.unread == 2, "a duplicate is not counted twice")
        #expect(machine.state.groups["g"]?.unread == 0, "the focused group has nothing unread")
        #expect(machine.handle(.focus(groupId: "h")) == [.loadNewest(groupId: "h")])
        #expect(machine.handle(.newestLoaded(groupId: "h", page: Fixture.page(1...2, in: "h"))) == [.markRead(groupId: "h", seq: 2)])
        #expect(machine.state.groups["h"]?.unread == 0)
        _ = machine.handle(.server(.messageNew(Fixture.message(5)), at: Fixture.t0))
        #expect(machine.state.groups["g"]?.unread == 1)
    }

    @Test("a group with new activity moves to the top; loading pages does not reorder")
    func ordering() {
        var machine = Fixture.connected(loadedThrough: 3, groups: ["g", "h", "i"])
        #expect(machine.state.groupOrder == ["g", "h", "i"])
        _ = machine.handle(.server(.messageNew(Fixture.message(1, in: "i")), at: Fixture.t0))
        #expect(machine.state.groupOrder == ["i", "g", "h"])
        _ = machine.handle(.focus(groupId: "h"))
        _ = machine.handle(.newestLoaded(groupId: "h", page: Fixture.page(1...2, in: "h")))
        #expect(machine.state.groupOrder == ["i", "g", "h"])
    }

    @Test("typing shows others for a few seconds, never oneself")
    func typing() {
        var machine = Fixture.connected(loadedThrough: 3)
        let actions = machine.handle(.server(.typing(.init(groupId: "g", user: Fixture.bob)), at: Fixture.t0))
        #expect(actions == [.wakeUp(at: Fixture.t0.addingTimeInterval(SyncMachine.typingLifetime))])
        #expect(machine.state.groups["g"]?.typing.map(\.user) == [Fixture.bob])
        _ = machine.handle(.server(.typing(.init(groupId: "g", user: Fixture.me.summary)), at: Fixture.t0))
        #expect(machine.state.groups["g"]?.typing.count == 1)
        _ = machine.handle(.tick(Fixture.t0.addingTimeInterval(SyncMachine.typingLifetime + 0.1)))
        #expect(machine.state.groups["g"]?.typing.isEmpty == true)
    }

    @Test("the user's own typing notices are throttled")
    func ownTyping() {
        var machine = Fixture.connected(loadedThrough: 3)
        #expect(machine.handle(.userTyped(groupId: "g", at: Fixture.t0)) == [.sendTyping(groupId: "g")])
        #expect(machine.handle(.userTyped(groupId: "g", at: Fixture.t0.addingTimeInterval(1))).isEmpty)
        #expect(machine.handle(.userTyped(groupId: "g", at: Fixture.t0.addingTimeInterval(3.5))) == [.sendTyping(groupId: "g")])
    }

    @Test("member:joined counts new members, and an unknown group reloads the list")
    func members() {
        var machine = Fixture.connected(loadedThrough: 3)
        _ = machine.handle(.server(.memberJoined(.init(groupId: "g", user: .init(id: "carol", displayName: "Carol"), role: .member)), at: Fixture.t0))
        #expect(machine.state.groups["g"]?.group.memberCount == 3)
        let actions = machine.handle(.server(.memberJoined(.init(groupId: "new", user: Fixture.me.summary, role: .member)), at: Fixture.t0))
        #expect(actions == [.loadGroups])
    }

    @Test("a refused session shows as signed out")
    func signedOut() {
        var machine = Fixture.connected()
        _ = machine.handle(.signedOut)
        #expect(machine.state.connection == .signedOut)
    }
}
