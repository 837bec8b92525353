import ChatCore
import Foundation
import Testing

@testable import ChatTUI

@Suite("The composer: paste, several lines, graphemes, history per group, completion, $EDITOR")
struct ComposerTests {
    @Test("a paste goes into the composer whole: its tab, its newlines and its /quit line never act; Enter sends it as one message")
    func paste() {
        var model = UIFixture.model()
        let pasted = "first line\twith a tab\n/quit\r\nlast line"
        #expect(model.update(.key(.paste(pasted))).isEmpty, "a paste sends nothing and switches nothing")
        #expect(model.selected == "g")
        #expect(!model.quitting)
        #expect(model.input.text == "first line\twith a tab\n/quit\nlast line")
        #expect(model.update(.key(.enter)).withoutSaves == [.send(text: "first line\twith a tab\n/quit\nlast line", groupId: "g")])
        #expect(model.input.isEmpty)
    }

    @Test("a paste's control characters are dropped, its line ends kept")
    func pasteControls() {
        var model = UIFixture.model()
        _ = model.update(.key(.paste("a\u{1B}]52;c;eA==\u{07}b\u{0}\nc")))
        #expect(model.input.text == "a]52;c;eA==b\nc")
    }

    @Test("Alt-Enter and Ctrl-J start a new line; the composer grows to a third of the screen, then scrolls inside")
    func multiline() {
        var model = UIFixture.model(height: 21)
        model.type("one")
        _ = model.update(.key(.altEnter))
        model.type("two")
        _ = model.update(.key(.control("j")))
        model.type("three")
        #expect(model.input.text == "one\ntwo\nthree")
        #expect(model.layout.inputRows == 3)
        var frame = AppView.render(model)
        #expect(frame.grid.lines[17...19] == ["› one", "  two", "  three"])
        #expect(frame.cursor?.x == 7 && frame.cursor?.y == 19)
        for _ in 0..<10 {
            _ = model.update(.key(.altEnter))
            model.type("more")
        }
        #expect(model.layout.inputRows == 7, "a third of 21 rows")
        frame = AppView.render(model)
        #expect(frame.grid.lines[13].hasPrefix("↑"), "the first lines scrolled out of the composer")
        #expect(frame.cursor?.y == 19)
    }

    @Test("Up and Down move between the composer's lines; past its first line, Up walks the group's history")
    func upAndDown() {
        var model = UIFixture.model()
        model.type("sent before")
        _ = model.update(.key(.enter))
        model.type("abcdef")
        _ = model.update(.key(.altEnter))
        model.type("xy")
        _ = model.update(.key(.up))
        #expect(model.input.cursor == 2, "at the same column on the line above")
        _ = model.update(.key(.down))
        #expect(model.input.cursor == 9)
        _ = model.update(.key(.up))
        _ = model.update(.key(.up))
        #expect(model.input.text == "sent before")
        _ = model.update(.key(.down))
        #expect(model.input.text == "abcdef\nxy")
    }

    @Test("an emoji typed as several code points is one character for the cursor and for Backspace")
    func graphemes() {
        var model = UIFixture.model()
        for scalar in ["a", "👩", "\u{200D}", "💻", "👍", "\u{1F3FD}", "❤", "\u{FE0F}"] { model.type(scalar) }
        #expect(model.input.characters.count == 4)
        #expect(model.input.text == "a👩‍💻👍🏽❤️")
        _ = model.update(.key(.backspace))
        _ = model.update(.key(.left))
        _ = model.update(.key(.backspace))
        #expect(model.input.text == "a👍🏽")
    }

    @Test("each group has its own input history, saved and restored across restarts")
    func historyPerGroup() throws {
        var model = UIFixture.model()
        model.type("in the book club")
        let effects = model.update(.key(.enter))
        _ = model.update(.key(.control("n")))
        model.type("among friends")
        _ = model.update(.key(.enter))
        _ = model.update(.key(.up))
        #expect(model.input.text == "among friends")
        _ = model.update(.key(.up))
        #expect(model.input.text == "among friends", "the book club's line is not in this group's history")

        guard case .save(let saved) = effects.last else {
            Issue.record("Enter saves the histories, got \(effects)")
            return
        }
        #expect(saved.histories == ["g": ["in the book club"]])
        var restarted = UIFixture.model()
        restarted.restore(model.savedState)
        _ = restarted.update(.key(.up))
        #expect(restarted.input.text == "in the book club")
        #expect(try ChatJSON.decoder.decode(UIState.self, from: ChatJSON.encoder.encode(model.savedState)) == model.savedState)
    }

    @Test("Tab completes /commands and @names of the group, cycling on repeated Tabs; other keys end the cycle")
    func completion() {
        var model = UIFixture.model(messages: [UIFixture.message(1, "hi", from: UserSummary(id: "bea", displayName: "Bea"))])
        model.type("/he")
        _ = model.update(.key(.tab))
        #expect(model.input.text == "/help ")
        model.input.clear()
        model.type("hello @b")
        #expect(model.update(.key(.tab)) == [.fetchMembers(groupId: "g")], "the first @ completion asks for the member list")
        #expect(model.input.text == "hello @Bea ")
        model.sync.groups["g"]?.members = [
            Member(user: UIFixture.bob, role: .member, joinedAt: UIFixture.t0),
            Member(user: UserSummary(id: "bea", displayName: "Bea"), role: .member, joinedAt: UIFixture.t0),
            Member(user: UIFixture.me.summary, role: .owner, joinedAt: UIFixture.t0),
        ]
        model.input.clear()
        model.type("@")
        #expect(model.update(.key(.tab)).isEmpty)
        #expect(model.input.text == "@Bea ")
        _ = model.update(.key(.tab))
        #expect(model.input.text == "@Bob ", "never the user's own name")
        _ = model.update(.key(.tab))
        #expect(model.input.text == "@Bea ")
        _ = model.update(.key(.backTab))
        #expect(model.input.text == "@Bob ")
        model.type("x")
        _ = model.update(.key(.tab))
        #expect(model.input.text == "@Bob x", "no completion for a plain word")
    }

    @Test("Ctrl-X Ctrl-E hands the composer to $EDITOR, and what comes back replaces it")
    func editor() {
        var model = UIFixture.model()
        model.type("draft")
        #expect(model.update(.key(.control("x"))).isEmpty)
        #expect(model.update(.key(.control("e"))) == [.openEditor(text: "draft")])
        _ = model.update(.edited("written\nin vi\n"))
        #expect(model.input.text == "written\nin vi")
        _ = model.update(.key(.home))
        #expect(model.update(.key(.control("e"))).isEmpty, "Ctrl-E alone goes to the end of the line")
        #expect(model.input.cursor == model.input.characters.count)
    }

    @Test("Ctrl-L asks for a full repaint")
    func repaint() {
        var model = UIFixture.model()
        #expect(model.update(.key(.control("l"))) == [.repaint])
    }
}

@Suite("Key decoding: paste, Alt keys, the wheel")
struct KeyDecoderPasteTests {
    static func characters(_ text: String) -> [RawInput] { text.unicodeScalars.map { .character($0.value) } }

    @Test("a bracketed paste spanning two reads is one paste key, with CR LF as one newline")
    func paste() {
        var decoder = KeyDecoder()
        let first = decoder.decode(Self.characters("x\u{1B}[200~line one\r\n\tlin"))
        #expect(first == [.character("x")])
        let second = decoder.decode(Self.characters("e two\r/quit\u{1B}[201~y"))
        #expect(second == [.paste("line one\n\tline two\n/quit"), .character("y")])
    }

    @Test("Alt-Enter, Ctrl-J, Alt-arrows in xterm's form and after ESC, and wheel steps")
    func altKeys() {
        let inputs: [RawInput] =
            [.character(27), .character(13), .character(10)] + Self.characters("\u{1B}[1;3C\u{1B}[1;3D\u{1B}[1;3F")
            + [.character(27), .function(KeyDecoder.Code.end), .wheel(up: true), .wheel(up: false)]
        #expect(KeyDecoder.decode(inputs) == [.altEnter, .control("j"), .altRight, .altLeft, .altEnd, .altEnd, .wheelUp, .wheelDown])
    }

    @Test("extended key codes that terminfo names map to their keys")
    func extended() {
        var decoder = KeyDecoder(extended: [600: .altRight])
        #expect(decoder.decode([.function(600), .function(601)]) == [.altRight])
    }
}
