import Foundation
import Testing

@testable import ChatCore
@testable import ChatTUI

@Suite("Groups on screen: stable numbers, mentions, the hotlist and the bell, scrollback, the countdown")
struct GroupsOnScreenTests {
    /// The fixture's state with a third group and messages `seqs` from Bob in `group`.
    static func state(_ model: AppModel, adding messages: [Message], order: [String]) -> SyncState {
        var state = model.sync
        if state.groups["k"] == nil { state.groups["k"] = GroupTimeline(group: UIFixture.group("k", name: "Kin")) }
        for message in messages {
            state.groups[message.groupId]?.ahead.append(message)
            state.groups[message.groupId]?.unread += 1
        }
        state.groupOrder = order
        return state
    }

    @Test("numbers stay as activity reorders the groups; new groups are numbered after; /move renumbers")
    func stableNumbers() {
        var model = UIFixture.model()
        var effects = model.update(.sync(Self.state(model, adding: [], order: ["g", "h", "k"])))
        #expect(model.numbers.order == ["g", "h", "k"])
        #expect(effects.contains(.save(model.savedState)))
        effects = model.update(.sync(Self.state(model, adding: [UIFixture.message(1, "hi", in: "k")], order: ["k", "g", "h"])))
        #expect(model.numbers.order == ["g", "h", "k"], "activity in k moved it up the sync order, not its number")
        #expect(!effects.contains { if case .save = $0 { true } else { false } })
        #expect(model.update(.key(.alt("3"))) == [.focus(groupId: "k")])
        model.type("/move 1")
        _ = model.update(.key(.enter))
        #expect(model.numbers.order == ["k", "g", "h"])
        var gone = model.sync
        gone.groups["g"] = nil
        gone.groupOrder = ["k", "h"]
        _ = model.update(.sync(gone))
        #expect(model.numbers.order == ["k", "h"], "a group that goes leaves no hole")
        let sidebar = AppView.render(model).grid.lines
        #expect(sidebar[1].hasPrefix("1 Kin") && sidebar[2].hasPrefix("2 Friends"))
    }

    @Test("a mention in a group not on screen rings the bell once and marks the hotlist; on screen, or with the bell off, it does not ring")
    func mentions() {
        var model = UIFixture.model()
        _ = model.update(.sync(Self.state(model, adding: [], order: ["g", "h", "k"])))
        var effects = model.update(.sync(Self.state(model, adding: [UIFixture.message(1, "ping @ANN, see this", in: "h")], order: ["h", "g", "k"])))
        #expect(effects.contains(.bell))
        #expect(model.hotlist.map(\.number) == [2] && model.hotlist.map(\.mention) == [true])
        let status = AppView.render(model).grid.lines.last ?? ""
        #expect(status.contains("[Act: 2]"))
        effects = model.update(.sync(model.sync))
        #expect(!effects.contains(.bell), "the same mention rings once")
        effects = model.update(
            .sync(Self.state(model, adding: [UIFixture.message(1, "no mention here, annie@ann.org, @annie", in: "k")], order: ["k", "h", "g"]))
        )
        #expect(!effects.contains(.bell))
        #expect(model.hotlist.map(\.number) == [2, 3] && model.hotlist.map(\.mention) == [true, false])
        effects = model.update(.sync(Self.state(model, adding: [UIFixture.message(1, "@ann here", in: "g")], order: ["g", "k", "h"])))
        #expect(!effects.contains(.bell), "a mention in the group on screen does not ring")
        model.type("/set bell off")
        _ = model.update(.key(.enter))
        effects = model.update(.sync(Self.state(model, adding: [UIFixture.message(2, "@Ann again", in: "k")], order: ["k", "g", "h"])))
        #expect(!effects.contains(.bell))
        #expect(model.hotlist.map(\.mention) == [true, true])
        _ = model.update(.key(.alt("2")))
        #expect(!model.mentioned.contains("h"), "showing the group clears its mark")
    }

    @Test("a message that mentions the user is drawn highlighted")
    func highlight() throws {
        let model = UIFixture.model(messages: [UIFixture.message(1, "hey @Ann look"), UIFixture.message(2, "plain")])
        let grid = AppView.render(model).grid
        let row = try #require(grid.lines.firstIndex { $0.contains("hey @Ann look") })
        let column = DisplayWidthProbeColumns.of(grid.lines[row], until: "hey")
        #expect(grid[column, row].style.foreground == UISettings().highlight && grid[column, row].style.bold)
        let plain = try #require(grid.lines.firstIndex { $0.contains("plain") })
        #expect(grid[DisplayWidthProbeColumns.of(grid.lines[plain], until: "plain"), plain].style.foreground == .standard)
    }

    @Test("scrolled back, the view stays on the same message while new ones arrive, counts them, and End comes back")
    func anchoredScrollback() {
        var model = UIFixture.model(height: 12, messages: (1...20).map { UIFixture.message($0, "m\($0)") })
        _ = model.update(.key(.pageUp))
        let before = AppView.render(model).grid.lines
        var state = model.sync
        state.groups["g"]?.messages += (21...25).map { UIFixture.message($0, "m\($0)") }
        _ = model.update(.sync(state))
        let after = AppView.render(model).grid.lines
        #expect(after[1...8] == before[1...8], "the same lines on screen")
        #expect(after[0].contains("↓ 12 new below · End"))
        _ = model.update(.key(.end))
        #expect(model.scroll["g"] == nil)
        #expect(AppView.render(model).grid.text.contains("m25"))
        _ = model.update(.key(.wheelUp))
        #expect(model.scroll["g"] == ScrollAnchor(key: "m:g-22", line: 0))
        _ = model.update(.key(.altEnd))
        #expect(model.scroll["g"] == nil)
    }

    @Test("the countdown to the next reconnection ticks")
    func countdown() {
        var model = UIFixture.model()
        _ = model.update(.tick(UIFixture.t0))
        var state = model.sync
        state.connection = .reconnecting(retryIn: .seconds(5))
        _ = model.update(.sync(state))
        #expect(model.wantsTicks)
        #expect(AppView.render(model).grid.lines.last?.contains("reconnecting in 5s") == true)
        _ = model.update(.tick(UIFixture.t0.addingTimeInterval(2.2)))
        #expect(AppView.render(model).grid.lines.last?.contains("reconnecting in 3s") == true)
        state.connection = .connected
        _ = model.update(.sync(state))
        #expect(!model.wantsTicks)
    }

    @Test("/help lists every key and command, and the README's table holds the same rows")
    func helpAndReadme() throws {
        let help = KeyBindings.helpLines.map(\.text)
        let readme = try String(contentsOf: RepositoryFiles.root.appendingPathComponent("README.md"), encoding: .utf8)
        for entry in KeyBindings.commands + KeyBindings.keys {
            #expect(help.contains { $0.hasPrefix(entry.keys) && $0.hasSuffix(entry.action) }, "\(entry.keys) in /help")
            // A pipe inside a table cell is written \| in Markdown.
            let row = "| `\(entry.keys.replacingOccurrences(of: "|", with: "\\|"))` | \(entry.action) |"
            #expect(readme.contains(row), "README row: \(row)")
        }
    }

    @Test("mentions are @ and the display name, in any case, as a whole word")
    func mentionRule() {
        #expect(Mention.mentions("@ann hi", name: "Ann"))
        #expect(Mention.mentions("hi @ANN.", name: "Ann"))
        #expect(Mention.mentions("(@Ann Lee)", name: "Ann Lee"))
        #expect(!Mention.mentions("@annie", name: "Ann"))
        #expect(!Mention.mentions("mail ann@ann.org", name: "Ann"))
        #expect(!Mention.mentions("Ann without at", name: "Ann"))
        #expect(!Mention.mentions("@@ann", name: "Ann"))
    }
}

/// The repository's files, for tests that check documentation.
enum RepositoryFiles {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
}

/// Columns of a line up to the first occurrence of `text`, as the grid counts them.
enum DisplayWidthProbeColumns {
    static func of(_ line: String, until text: String) -> Int {
        guard let range = line.range(of: text) else { return 0 }
        return DisplayWidth.of(line[..<range.lowerBound])
    }
}
