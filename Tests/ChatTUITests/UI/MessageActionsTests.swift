import ChatCore
import Foundation
import Testing

@testable import ChatTUI

@Suite("Acting on messages: selection, edit, delete, reply, react")
struct MessageActionsTests {
    /// Bob's 1, Ann's 2 (with Ann's 👍), Bob's 3.
    static func model() -> AppModel {
        var mine = UIFixture.message(2, "my first words", from: UIFixture.me.summary)
        mine.reactions = [Reaction(emoji: "👍", userIds: ["me"])]
        return UIFixture.model(messages: [UIFixture.message(1, "hello"), mine, UIFixture.message(3, "and more")])
    }

    @Test("Up on an empty composer edits the user's last message; Enter saves the edit, Esc cancels it")
    func editLast() {
        var model = Self.model()
        _ = model.update(.key(.up))
        #expect(model.editing == "g-2" && model.input.text == "my first words")
        #expect(AppView.render(model).grid.text.contains("Editing your message"))
        _ = model.update(.key(.escape))
        #expect(model.editing == nil && model.input.isEmpty)
        _ = model.update(.key(.up))
        model.type(", edited")
        #expect(model.update(.key(.enter)).withoutSaves == [.editMessage(groupId: "g", messageId: "g-2", text: "my first words, edited")])
        #expect(model.editing == nil)
        model.type("next")
        #expect(model.update(.key(.enter)).withoutSaves == [.send(text: "next", groupId: "g")], "after the edit, Enter sends again")
    }

    @Test("Alt-Up and Alt-Down select messages, drawn in reverse; the commands act on the selection; Esc leaves it")
    func selection() throws {
        var model = Self.model()
        _ = model.update(.key(.altUp))
        _ = model.update(.key(.altUp))
        #expect(model.selection == "g-2")
        let grid = AppView.render(model).grid
        let row = try #require(grid.lines.firstIndex { $0.contains("my first words") })
        #expect(grid[21, row].style.reverse)
        _ = model.update(.key(.altUp))
        #expect(model.selection == "g-1")
        model.type("/react 🎉")
        #expect(model.update(.key(.enter)).withoutSaves == [.react(groupId: "g", messageId: "g-1", emoji: "🎉", present: true)])
        model.type("/reply sure")
        #expect(model.update(.key(.enter)).withoutSaves == [.reply(text: "sure", groupId: "g", replyTo: "g-1")])
        model.type("/edit nope")
        #expect(model.update(.key(.enter)).withoutSaves.isEmpty, "Bob's message is not the user's to edit")
        #expect(model.status?.isError == true)
        _ = model.update(.key(.escape))
        #expect(model.selection == nil)
        _ = model.update(.key(.altDown))
        #expect(model.selection == nil, "Alt-Down past the newest leaves the messages")
    }

    @Test("/react takes back the user's own reaction; /reply without text answers with the next Enter")
    func reactAndReply() {
        var model = Self.model()
        _ = model.update(.key(.altUp))
        _ = model.update(.key(.altUp))
        model.type("/react 👍")
        #expect(model.update(.key(.enter)).withoutSaves == [.react(groupId: "g", messageId: "g-2", emoji: "👍", present: false)])
        _ = model.update(.key(.escape))
        model.type("/reply")
        _ = model.update(.key(.enter))
        #expect(model.replyingTo == "g-3", "without a selection, the newest message")
        #expect(AppView.render(model).grid.text.contains("Replying to Bob: and more"))
        model.type("yes")
        #expect(model.update(.key(.enter)).withoutSaves == [.reply(text: "yes", groupId: "g", replyTo: "g-3")])
        #expect(model.replyingTo == nil)
    }

    @Test("/delete asks first: y deletes, any other key keeps the message")
    func delete() {
        var model = Self.model()
        model.type("/delete")
        _ = model.update(.key(.enter))
        guard case .confirmDelete(_, "g-2", let preview) = model.overlay else {
            Issue.record("expected the confirm panel for the user's last message, got \(String(describing: model.overlay))")
            return
        }
        #expect(preview == "Ann: my first words")
        #expect(model.update(.key(.character("n"))).isEmpty)
        #expect(model.overlay == nil)
        model.type("/delete")
        _ = model.update(.key(.enter))
        #expect(model.update(.key(.character("y"))) == [.deleteMessage(groupId: "g", messageId: "g-2")])
    }
}
