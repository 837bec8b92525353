import ChatCore
import Foundation
import Testing

@testable import ChatTUI

@Suite("Edits, deletions, replies and reactions on screen")
struct MessageLifecycleViewTests {
    @Test("(edited) after the text, a dim line in place of a deleted message, a quote above a reply, reactions below with the user's own in bold")
    func lifecycle() throws {
        var first = UIFixture.message(1, "Has everyone got the new book?", from: UIFixture.me.summary)
        first.reactions = [Reaction(emoji: "👍", userIds: ["bob", "me"]), Reaction(emoji: "🎉", userIds: ["bob"])]
        var reply = UIFixture.message(2, "Yes, chapter 3 is wonderful")
        reply.replyTo = MessageRef(id: first.id, seq: 1)
        reply.editedAt = UIFixture.t0
        var deleted = UIFixture.message(3, "")
        deleted.deleted = true
        var late = UIFixture.message(4, "what did it say?")
        late.replyTo = MessageRef(id: deleted.id, seq: 3)
        var old = UIFixture.message(5, "and this?")
        old.replyTo = MessageRef(id: "gone", seq: 0)
        let model = UIFixture.model(width: 80, height: 20, messages: [first, reply, deleted, late, old])
        let grid = AppView.render(model).grid
        let pane = grid.lines.map { line in line.split(separator: "│", maxSplits: 1).dropFirst().first.map(String.init) ?? "" }
        let expected = [
            "11:22 Ann: Has everyone got the new book?",
            "      👍 2  🎉 1",
            "      ↳ Ann: Has everyone got the new book?",
            "11:23 Bob: Yes, chapter 3 is wonderful (edited)",
            "11:24 Bob: message deleted",
            "      ↳ deleted message",
            "11:25 Bob: what did it say?",
            "      ↳ an earlier message (#0)",
            "11:26 Bob: and this?",
        ]
        let start = try #require(pane.firstIndex(of: expected[0]))
        #expect(Array(pane[start..<(start + expected.count)]) == expected)
        // The user's own reaction is bold, the others' dim.
        let reactions = grid.lines[start]
        let thumbs = 21 + 6
        #expect(grid[thumbs, start + 1].style.bold, "\(reactions)")
        #expect(grid[thumbs + 6, start + 1].style.dim)
        #expect(grid[21 + 6, start + 4].style.dim, "the deleted message's line is dim")
    }

    @Test("a reply to a message older than those loaded asks for it once, then quotes it")
    func quoteFetched() throws {
        let original = UIFixture.message(3, "The meeting moves to Friday", from: UIFixture.me.summary)
        var reply = UIFixture.message(11, "Friday works")
        reply.replyTo = MessageRef(id: original.id, seq: 3)
        var model = UIFixture.model(width: 80, height: 20, messages: [UIFixture.message(10, "earlier"), reply], hasOlder: true)
        func pane() -> [String] {
            AppView.render(model).grid.lines.map { $0.split(separator: "│", maxSplits: 1).dropFirst().first.map(String.init) ?? "" }
        }
        #expect(pane().contains("      ↳ an earlier message (#3)"))

        let effects = model.update(.sync(model.sync))
        #expect(
            effects.filter { if case .fetchQuote = $0 { true } else { false } } == [
                .fetchQuote(groupId: "g", ref: MessageRef(id: original.id, seq: 3))
            ]
        )
        #expect(!model.update(.sync(model.sync)).contains { if case .fetchQuote = $0 { true } else { false } }, "asked once, not on every change")
        // The fetch failed with the server away: once it is back, the quote is asked again.
        var away = model.sync
        away.connection = .reconnecting(retryIn: .seconds(2))
        _ = model.update(.sync(away))
        away.connection = .connected
        #expect(model.update(.sync(away)).filter { if case .fetchQuote = $0 { true } else { false } }.count == 1)

        var state = model.sync
        state.groups["g"]?.quoted[original.id] = original
        _ = model.update(.sync(state))
        #expect(pane().contains("      ↳ Ann: The meeting moves to Friday"))
    }
}
