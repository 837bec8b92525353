import ChatCore
import Foundation
import Testing

@testable import ChatTUI

extension [AppEffect] {
    /// The effects but the saves of the UI's state (every Enter saves the input history).
    var withoutSaves: [AppEffect] { self.filter { if case .save = $0 { false } else { true } } }
}

extension AppModel {
    /// Types `text` key by key and returns the effects of the last key.
    @discardableResult
    mutating func type(_ text: String) -> [AppEffect] {
        var effects: [AppEffect] = []
        for character in text { effects = self.update(.key(.character(character))) }
        return effects
    }
}

@Suite("UI update: keys, commands and effects")
struct AppUpdateTests {
    @Test("Enter sends the input to the selected group, and // escapes a leading slash")
    func send() {
        var model = UIFixture.model()
        #expect(model.type("hi") == [.typing(groupId: "g")])
        #expect(model.update(.key(.enter)).withoutSaves == [.send(text: "hi", groupId: "g")])
        #expect(model.input.isEmpty)
        model.type("//me waves")
        #expect(model.update(.key(.enter)).withoutSaves == [.send(text: "/me waves", groupId: "g")])
        #expect(model.update(.key(.enter)).isEmpty, "an empty line sends nothing")
    }

    @Test("the commands produce their effects, and bad ones explain themselves")
    func commands() {
        var model = UIFixture.model()
        model.type("/create Team")
        #expect(model.update(.key(.enter)).withoutSaves == [.createGroup(name: "Team")])
        model.type("/join https://x/join/abc")
        #expect(model.update(.key(.enter)).withoutSaves == [.join("https://x/join/abc")])
        model.type("/invite 48 5")
        #expect(model.update(.key(.enter)).withoutSaves == [.createInvite(groupId: "g", groupName: "Book club", hours: 48, uses: 5, approval: false)])
        #expect(model.overlay == .busy("Creating an invite to Book club…"))
        model.overlay = nil
        model.type("/invite")
        #expect(
            model.update(.key(.enter)).withoutSaves == [.createInvite(groupId: "g", groupName: "Book club", hours: nil, uses: nil, approval: false)]
        )
        model.overlay = nil
        model.type("/invite soon")
        #expect(model.update(.key(.enter)).withoutSaves.isEmpty)
        #expect(model.status?.isError == true)
        model.type("/members")
        #expect(model.update(.key(.enter)).withoutSaves == [.loadMembers(groupId: "g", groupName: "Book club")])
        model.overlay = nil
        model.type("/dance")
        _ = model.update(.key(.enter))
        #expect(model.status?.text == "Unknown command /dance: /help lists them")
        model.type("/help")
        _ = model.update(.key(.enter))
        #expect(model.overlay == .help)
        #expect(model.update(.key(.escape)).isEmpty)
        #expect(model.overlay == nil)
        model.type("/quit")
        #expect(model.update(.key(.enter)).withoutSaves == [.quit])
        #expect(model.quitting)
    }

    @Test("Ctrl-C quits from anywhere")
    func controlC() {
        var model = UIFixture.model()
        model.overlay = .help
        #expect(model.update(.key(.control("c"))) == [.quit])
        #expect(model.quitting)
    }

    @Test("Ctrl-N, Ctrl-P, Alt-arrows, Alt-n and /buffer switch groups by their numbers; Tab does not")
    func switching() {
        var model = UIFixture.model()
        #expect(model.update(.key(.control("n"))) == [.focus(groupId: "h")])
        #expect(model.update(.key(.control("n"))) == [.focus(groupId: "g")])
        #expect(model.update(.key(.control("p"))) == [.focus(groupId: "h")])
        #expect(model.update(.key(.altLeft)) == [.focus(groupId: "g")])
        #expect(model.update(.key(.altRight)) == [.focus(groupId: "h")])
        #expect(model.update(.key(.alt("1"))) == [.focus(groupId: "g")])
        #expect(model.update(.key(.alt("9"))).isEmpty)
        #expect(model.update(.key(.tab)).isEmpty)
        #expect(model.selected == "g")
        model.type("/buffer 2")
        #expect(model.update(.key(.enter)).withoutSaves == [.focus(groupId: "h")])
        model.type("/buffer 3")
        #expect(model.update(.key(.enter)).withoutSaves.isEmpty)
        #expect(model.status?.text == "Usage: /buffer N, a group's number (1 to 2)")
    }

    @Test("the most recently active group is selected when the groups arrive")
    func firstSelection() {
        var model = UIFixture.model()
        model.selected = nil
        var state = model.sync
        state.groupOrder = ["h", "g"]
        #expect(model.update(.sync(state)) == [.focus(groupId: "h")])
        #expect(model.selected == "h")
    }

    @Test("the input line edits like a shell, with history on Up and Down")
    func editing() {
        var model = UIFixture.model()
        model.type("hello world")
        _ = model.update(.key(.control("w")))
        #expect(model.input.text == "hello ")
        _ = model.update(.key(.home))
        model.type(">")
        #expect(model.input.text == ">hello ")
        _ = model.update(.key(.control("k")))
        #expect(model.input.text == ">")
        _ = model.update(.key(.backspace))
        model.type("first")
        _ = model.update(.key(.enter))
        model.type("second")
        _ = model.update(.key(.enter))
        model.type("draft")
        _ = model.update(.key(.up))
        #expect(model.input.text == "second")
        _ = model.update(.key(.up))
        #expect(model.input.text == "first")
        _ = model.update(.key(.down))
        _ = model.update(.key(.down))
        #expect(model.input.text == "draft")
    }

    @Test("PgUp scrolls by pages and asks for older history at the top; PgDn comes back")
    func paging() {
        var model = UIFixture.model(height: 12, messages: (1...20).map { UIFixture.message($0, "m\($0)") }, hasOlder: true)
        #expect(model.update(.key(.pageUp)) == [.focus(groupId: nil)], "scrolled back, the newest message is off screen")
        #expect(model.scroll["g"] == ScrollAnchor(key: "m:g-13", line: 0), "7 of the 20 lines up: the pane shows 8 rows, a page is 7")
        #expect(model.update(.key(.pageUp)) == [.loadOlder(groupId: "g")])
        #expect(model.update(.key(.pageDown)).isEmpty)
        _ = model.update(.key(.pageDown))
        _ = model.update(.key(.pageDown))
        #expect(model.scroll["g"] == nil)
    }

    @Test("results of effects show up: a joined group is selected, a failure is reported")
    func results() {
        var model = UIFixture.model()
        let group = UIFixture.group("h", name: "Friends 友達")
        #expect(model.update(.joined(group, verb: "Joined")) == [.focus(groupId: "h")])
        #expect(model.status?.text == "Joined Friends 友達")
        model.overlay = .busy("…")
        _ = model.update(.failed("Could not create an invite: No such group."))
        #expect(model.overlay == nil)
        #expect(model.status == .init(text: "Could not create an invite: No such group.", isError: true))
    }
}

@Suite("Key decoding")
struct KeyDecoderTests {
    @Test("characters, control keys, function keys and Alt combinations")
    func decoding() {
        let inputs: [RawInput] = [
            .character(UInt32(("a" as Unicode.Scalar).value)), .character(0x6F22), .character(13), .character(127), .character(3), .character(9),
            .function(KeyDecoder.Code.backTab), .function(KeyDecoder.Code.pageUp), .character(27), .character(UInt32(("2" as Unicode.Scalar).value)),
            .character(27),
        ]
        #expect(
            KeyDecoder.decode(inputs) == [
                .character("a"), .character("漢"), .enter, .backspace, .control("c"), .tab, .backTab, .pageUp, .alt("2"), .escape,
            ]
        )
    }
}
