import Foundation
import Testing

@testable import ChatCore

@Suite("Sync machine: memberships, removals, roles and settings")
struct SyncMachineMembershipTests {
    static let carol = UserSummary(id: "carol", displayName: "Carol")

    @Test("a removal of the user takes the group out of the state, with the reason, and fails what waited to be sent")
    func removedMyself() {
        var machine = Fixture.connected(loadedThrough: 3, groups: ["g", "h"])
        _ = machine.handle(.connection(.reconnecting(retryIn: .seconds(1))))
        _ = machine.handle(.send(groupId: "g", text: "never sent", clientId: "c1", at: Fixture.t0))
        _ = machine.handle(.ready(.init(user: Fixture.me, groups: [Fixture.cursor("g", lastSeq: 3), Fixture.cursor("h", lastSeq: 0)])))
        _ = machine.handle(.server(.memberRemoved(.init(groupId: "g", userId: "me", reason: .kicked, rev: 4)), at: Fixture.t0))
        #expect(machine.state.groups["g"] == nil)
        #expect(machine.state.groupOrder == ["h"])
        #expect(machine.state.focused == nil)
        #expect(machine.state.departures.map(\.reason) == [.kicked])
        #expect(machine.state.departures.first?.group.name == "G")
        #expect(machine.state.notice == "You were removed from \"G\" by its admins.")
        #expect(machine.state.outbox.map(\.status) == [.failed("You were removed from \"G\" by its admins.")])
        // Later events of the gone group change nothing.
        #expect(machine.handle(.server(.memberRemoved(.init(groupId: "g", userId: "bob", reason: .left, rev: 5)), at: Fixture.t0)).isEmpty)
        _ = machine.handle(.server(.memberRemoved(.init(groupId: "h", userId: "", reason: .groupDeleted, rev: 0)), at: Fixture.t0))
        #expect(machine.state.groups.isEmpty)
        #expect(machine.state.departures.map(\.reason) == [.kicked, .groupDeleted])
    }

    @Test("others joining, leaving and changing role update the member list and the count, once each")
    func others() {
        var machine = Fixture.connected(loadedThrough: 3)
        _ = machine.handle(.membersLoaded(groupId: "g", members: [Member(user: Fixture.bob, role: .member, joinedAt: Fixture.t0)]))
        let joined = ServerEvent.memberJoined(.init(groupId: "g", user: Self.carol, role: .member, rev: 4))
        _ = machine.handle(.server(joined, at: Fixture.t0))
        _ = machine.handle(.server(joined, at: Fixture.t0))
        #expect(machine.state.groups["g"]?.group.memberCount == 3, "counted once")
        #expect(machine.state.groups["g"]?.members?.map(\.user.id) == ["bob", "carol"])
        _ = machine.handle(.server(.memberUpdated(.init(groupId: "g", userId: "carol", role: .admin, rev: 5)), at: Fixture.t0))
        #expect(machine.state.groups["g"]?.members?.last?.role == .admin)
        let removed = ServerEvent.memberRemoved(.init(groupId: "g", userId: "bob", reason: .left, rev: 6))
        _ = machine.handle(.server(removed, at: Fixture.t0))
        _ = machine.handle(.server(removed, at: Fixture.t0))
        #expect(machine.state.groups["g"]?.group.memberCount == 2)
        #expect(machine.state.groups["g"]?.members?.map(\.user.id) == ["carol"])
        #expect(machine.state.groups["g"]?.rev == 6, "membership changes take revs too")
        // The user's own role.
        _ = machine.handle(.server(.memberUpdated(.init(groupId: "g", userId: "me", role: .owner, rev: 7)), at: Fixture.t0))
        #expect(machine.state.groups["g"]?.group.role == .owner)
    }

    @Test("group:updated renames the group; a membership change beyond a gap asks for the change feed")
    func settingsAndGaps() {
        var machine = Fixture.connected(loadedThrough: 3)
        let info = GroupInfo(id: "g", name: "Renamed", createdAt: Fixture.t0, memberCount: 2, invitePolicy: .admins)
        _ = machine.handle(.server(.groupUpdated(.init(group: info, rev: 4)), at: Fixture.t0))
        #expect(machine.state.groups["g"]?.group.name == "Renamed")
        #expect(machine.state.groups["g"]?.group.invitePolicy == .admins)
        let actions = machine.handle(.server(.memberRemoved(.init(groupId: "g", userId: "bob", reason: .kicked, rev: 6)), at: Fixture.t0))
        #expect(actions.fetching == [.fetchChanges(groupId: "g", since: 4)])
    }

    @Test("a change-feed page applies memberships with its messages; the user's own removal there takes the group out")
    func feedPage() {
        var machine = Fixture.connected(loadedThrough: 3)
        let page = ChangePage(
            messages: [Fixture.message(4, rev: 5)],
            members: [
                MemberChange(rev: 4, member: Member(user: Self.carol, role: .member, joinedAt: Fixture.t0)),
                MemberChange(rev: 6, userId: "bob", removed: .banned),
            ],
            group: GroupInfo(id: "g", name: "After", createdAt: Fixture.t0, memberCount: 2, invitePolicy: .members),
            rev: 7,
            hasMore: false
        )
        _ = machine.handle(.server(.messageNew(Fixture.message(5, rev: 8)), at: Fixture.t0))
        _ = machine.handle(.changesLoaded(groupId: "g", page: page))
        #expect(machine.seqs() == [1, 2, 3, 4, 5])
        #expect(machine.state.groups["g"]?.group.name == "After")
        #expect(machine.state.groups["g"]?.rev == 8)
        let gone = ChangePage(messages: [], members: [MemberChange(rev: 9, userId: "me", removed: .banned)], rev: 9, hasMore: false)
        _ = machine.handle(.server(.messageNew(Fixture.message(6, rev: 10)), at: Fixture.t0))
        _ = machine.handle(.changesLoaded(groupId: "g", page: gone))
        #expect(machine.state.groups["g"] == nil)
        #expect(machine.state.departures.map(\.reason) == [.banned])
    }

    @Test("a group missing from a fresh list (a removal while offline) leaves the state without a known reason")
    func removedWhileOffline() {
        var machine = Fixture.connected(loadedThrough: 3, groups: ["g", "h"])
        _ = machine.handle(.groupsLoaded([Fixture.group("h")]))
        #expect(machine.state.groupOrder == ["h"])
        #expect(machine.state.departures == [Departure(group: Fixture.group("g", lastSeq: 3), reason: nil)])
    }

    @Test("join requests gather for the groups the user manages; a denial of the user's own becomes a notice")
    func requests() {
        var machine = Fixture.connected(loadedThrough: 3)
        let request = JoinRequest(
            id: "r1",
            groupId: "g",
            status: .pending,
            user: Self.carol,
            createdAt: Fixture.t0,
            invite: InviteRef(id: "i", createdBy: Fixture.bob)
        )
        _ = machine.handle(.server(.joinRequested(.init(groupId: "g", request: request)), at: Fixture.t0))
        _ = machine.handle(.server(.joinRequested(.init(groupId: "g", request: request)), at: Fixture.t0))
        #expect(machine.state.joinRequests["g"] == [request])
        _ = machine.handle(.server(.joinDenied(.init(groupId: "x", requestId: "r9")), at: Fixture.t0))
        #expect(machine.state.notice == "Your request to join was denied.")
    }
}
