import Foundation
import Testing

@testable import ChatCore
@testable import ChatTUI

@Suite("Moderation on screen: the commands, the members panel and the join requests panel")
struct ModerationOnScreenTests {
    static func submit(_ line: String, in model: inout AppModel) -> [AppEffect] {
        model.type(line)
        return model.update(.key(.enter)).withoutSaves
    }

    @Test("each command asks for its action on the group on screen; a missing name is a usage line")
    func commands() throws {
        var model = UIFixture.model()
        let group = try #require(model.sync.groups["g"]?.group)
        let expected: [(String, Moderation)] = [
            ("/leave", .leave),
            ("/part", .leave),
            ("/kick Bob", .kick("Bob")),
            ("/ban Bob spamming links", .ban("Bob", reason: "spamming links")),
            ("/ban Bob", .ban("Bob", reason: nil)),
            ("/ban Mary Ann -- flooding", .ban("Mary Ann", reason: "flooding")),
            ("/unban Bob", .unban("Bob")),
            ("/op Bob", .op("Bob")),
            ("/deop Bob", .deop("Bob")),
            ("/transfer Bob", .transfer("Bob")),
            ("/rename Book club 2", .rename("Book club 2")),
        ]
        for (line, action) in expected {
            #expect(Self.submit(line, in: &model) == [.moderate(action, group: group)], "\(line)")
        }
        for line in ["/kick", "/ban", "/unban  ", "/op", "/deop", "/transfer", "/rename", "/leave now"] {
            #expect(Self.submit(line, in: &model).isEmpty, "\(line)")
            #expect(model.status?.isError == true && model.status?.text.hasPrefix("Usage: /") == true, "\(line)")
        }
        #expect(
            Self.submit("/invite 2 3 --approval", in: &model) == [
                .createInvite(groupId: "g", groupName: "Book club", hours: 2, uses: 3, approval: true)
            ]
        )
        model.overlay = nil
        #expect(Self.submit("/invite", in: &model) == [.createInvite(groupId: "g", groupName: "Book club", hours: nil, uses: nil, approval: false)])
    }

    @Test("what the runner reports shows in the status line: a success in green, the server's refusal in red")
    func outcomes() {
        var model = UIFixture.model()
        _ = model.update(.done("Removed Bob from \"Book club\"."))
        #expect(model.status == AppModel.Status(text: "Removed Bob from \"Book club\".", isError: false))
        _ = model.update(.failed("Only the group's owner or an admin can do that."))
        #expect(model.status?.isError == true)
        #expect(AppView.render(model).grid.text.contains("Only the group's owner or an admin can do that."))
    }

    @Test("being removed drops the group and says why, in the info line, over an older error")
    func removed() {
        var model = UIFixture.model()
        _ = model.update(.failed("Only the group's owner and admins can do this."))
        var state = model.sync
        state.groups["g"] = nil
        state.groupOrder = ["h"]
        state.notice = "You were removed from \"Book club\" by its admins."
        _ = model.update(.sync(state))
        let text = AppView.render(model).grid.text
        #expect(text.contains("You were removed from \"Book club\" by its admins."))
        #expect(!text.contains("Only the group's owner"))
        #expect(!text.contains("Book club\n") && model.selected != "g")
    }

    @Test("the members panel: owner, admins, members; online first with ●, away with ○ and when last seen; it follows the state")
    func membersPanel() throws {
        var model = UIFixture.model()
        let joined = UIFixture.t0
        var state = model.sync
        state.groups["g"]?.members = [
            Member(user: UIFixture.bob, role: .member, joinedAt: joined),
            Member(user: UserSummary(id: "cy", displayName: "Cy"), role: .admin, joinedAt: joined),
            Member(user: UIFixture.me.summary, role: .owner, joinedAt: joined),
            Member(user: UserSummary(id: "al", displayName: "Al"), role: .member, joinedAt: joined),
        ]
        state.presence = [
            "bob": Presence(status: .online, lastSeenAt: nil),
            "al": Presence(status: .offline, lastSeenAt: joined.addingTimeInterval(3600)),
            "me": Presence(status: .online, lastSeenAt: nil),
        ]
        _ = model.update(.sync(state))
        _ = model.update(.members(groupId: "g", groupName: "Book club"))
        #expect(model.membersForPanel(of: "g").map(\.member.user.displayName) == ["Ann", "Cy", "Bob", "Al"])
        var lines = AppView.render(model).grid.lines
        let ann = try #require(lines.first { $0.contains("Ann") })
        let al = try #require(lines.first { $0.contains(" Al ") })
        #expect(ann.contains("● Ann") && ann.contains("owner"))
        #expect(al.contains("○ Al") && al.contains("last seen 2026-11-26 12:21"))
        #expect(lines.contains { $0.contains("Members of Book club (4)") })
        // Bob goes offline: the open panel shows it.
        state.presence["bob"] = Presence(status: .offline, lastSeenAt: joined.addingTimeInterval(7200))
        _ = model.update(.sync(state))
        lines = AppView.render(model).grid.lines
        #expect(try #require(lines.first { $0.contains("Bob") }).contains("○ Bob"))
        _ = model.update(.key(.escape))
        #expect(model.overlay == nil)
    }

    @Test("the requests panel: Up/Down select, a approves, d denies; no requests is a status line, not a panel")
    func requestsPanel() {
        var model = UIFixture.model()
        let invite = InviteRef(id: "i1", createdBy: UIFixture.me.summary)
        let requests = [
            JoinRequest(id: "r1", groupId: "g", status: .pending, user: UIFixture.bob, createdAt: UIFixture.t0, invite: invite),
            JoinRequest(
                id: "r2",
                groupId: "g",
                status: .pending,
                user: UserSummary(id: "cy", displayName: "Cy"),
                createdAt: UIFixture.t0,
                invite: invite
            ),
        ]
        _ = model.update(.requests(RequestsPanel(groupId: "g", groupName: "Book club", requests: [])))
        #expect(model.overlay == nil && model.status?.text == "No join requests wait in Book club.")
        #expect(Self.submit("/requests", in: &model) == [.loadRequests(groupId: "g", groupName: "Book club")])
        _ = model.update(.requests(RequestsPanel(groupId: "g", groupName: "Book club", requests: requests)))
        let text = AppView.render(model).grid.text
        #expect(text.contains("Join requests for Book club") && text.contains("▶ Bob") && text.contains("Cy"))
        _ = model.update(.key(.down))
        #expect(model.update(.key(.character("d"))) == [.decide(groupId: "g", groupName: "Book club", requestId: "r2", approve: false)])
        _ = model.update(.requests(RequestsPanel(groupId: "g", groupName: "Book club", requests: requests)))
        #expect(model.update(.key(.character("a"))) == [.decide(groupId: "g", groupName: "Book club", requestId: "r1", approve: true)])
        #expect(model.input.isEmpty, "the panel's keys never reach the composer")
    }
}

@Suite("Read markers and search on screen")
struct ReadMarkerAndSearchTests {
    /// "g" holds messages 1…6, read up to 3 on the server.
    static func model() -> AppModel {
        var model = UIFixture.model(messages: (1...6).map { UIFixture.message($0, "message \($0)") })
        model.sync.groups["g"]?.readSeq = 3
        model.selected = "h"
        model.groupInViewSent = "h"
        return model
    }

    @Test("opening a group with unread messages draws ── new ── after the last one read; it stays until the group is left")
    func newLine() throws {
        var model = Self.model()
        #expect(model.update(.key(.control("p"))).contains(.focus(groupId: "g")))
        let lines = AppView.render(model).grid.lines
        let marker = try #require(lines.firstIndex { $0.contains("── new ───") })
        #expect(lines[marker - 1].contains("message 3") && lines[marker + 1].contains("message 4"))
        var read = model.sync
        read.groups["g"]?.readSeq = 6
        _ = model.update(.sync(read))
        #expect(AppView.render(model).grid.text.contains("── new"), "the line stays while the group is on screen")
        _ = model.update(.key(.control("n")))
        _ = model.update(.key(.control("p")))
        #expect(!AppView.render(model).grid.text.contains("── new"), "nothing unread: no line")
    }

    @Test("the group counts as looked at only while its newest message is on screen: scrolling back unfocuses it, End focuses it again")
    func focusFollowsView() {
        var model = UIFixture.model(height: 8, messages: (1...30).map { UIFixture.message($0, "message \($0)") })
        #expect(model.update(.key(.pageUp)).contains(.focus(groupId: nil)))
        #expect(!model.update(.key(.pageUp)).contains { if case .focus = $0 { true } else { false } }, "said once")
        #expect(model.update(.key(.end)).contains(.focus(groupId: "g")))
    }

    static func hit(_ seq: Int64, _ text: String, in group: String = "g", range: TextRange) -> SearchHit {
        SearchHit(message: UIFixture.message(seq, text, in: group), highlights: [range])
    }

    @Test("/search lists the hits with the match highlighted; Enter selects a loaded message, or loads older pages until it is there")
    func search() throws {
        var model = UIFixture.model(messages: (5...9).map { UIFixture.message($0, "message \($0)") }, hasOlder: true)
        model.type("/search deploy")
        #expect(model.update(.key(.enter)).withoutSaves == [.search(query: "deploy")])
        _ = model.update(.searched(SearchPanel(query: "nothing", hits: [], more: false)))
        #expect(model.overlay == nil && model.status?.text == "Nothing matches nothing.")
        let hits = [
            Self.hit(7, "we deploy today", range: TextRange(start: 3, length: 6)), Self.hit(2, "deploy again", range: TextRange(start: 0, length: 6)),
        ]
        _ = model.update(.searched(SearchPanel(query: "deploy", hits: hits, more: false)))
        let grid = AppView.render(model).grid
        let row = try #require(grid.lines.firstIndex { $0.contains("we deploy today") })
        let line = grid.lines[row]
        let column = line.distance(from: line.startIndex, to: try #require(line.range(of: "deploy")).lowerBound)
        #expect(grid[column, row].style.reverse && !grid[column - 2, row].style.reverse, "only the match is highlighted")
        _ = model.update(.key(.enter))
        #expect(model.selection == "g-7" && model.overlay == nil)
        // A hit older than what is loaded: older pages are asked for until it arrives.
        _ = model.update(.searched(SearchPanel(query: "deploy", hits: hits, more: false)))
        _ = model.update(.key(.down))
        #expect(model.update(.key(.enter)).contains(.loadOlder(groupId: "g")))
        var older = model.sync
        older.groups["g"]?.messages.insert(contentsOf: (1...4).map { UIFixture.message($0, "message \($0)") }, at: 0)
        older.groups["g"]?.olderCursor = nil
        _ = model.update(.sync(older))
        #expect(model.selection == "g-2" && model.jump == nil)
    }
}
