import ChatCore
import Foundation
import Testing

@testable import ChatTUI

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
        #expect(model.update(.key(.enter)) == [.send(text: "hi", groupId: "g")])
        #expect(model.input.isEmpty)
        model.type("//me waves")
        #expect(model.update(.key(.enter)) == [.send(text: "/me waves", groupId: "g")])
        #expect(model.update(.key(.enter)).isEmpty, "an empty line sends nothing")
    }

    @Test("the commands produce their effects, and bad ones explain themselves")
    func commands() {
        var model = UIFixture.model()
        model.type("/create Team")
        #expect(model.update(.key(.enter)) == [.createGroup(name: "Team")])
        model.type("/join https://x/join/abc")
        #expect(model.update(.key(.enter)) == [.join("https://x/join/abc")])
        model.type("/invite 48 5")
        #expect(model.update(.key(.enter)) == [.createInvite(groupId: "g", groupName: "Book club", hours: 48, uses: 5)])
        #expect(model.overlay == .busy("Creating an invite to Book club…"))
        model.overlay = nil
        model.type("/invite")
        #expect(model.update(.key(.enter)) == [.createInvite(groupId: "g", groupName: "Book club", hours: nil, uses: nil)])
        model.overlay = nil
        model.type("/invite soon")
        #expect(model.update(.key(.enter)).isEmpty)
        #expect(model.status?.isError == true)
        model.type("/members")
        #expect(model.update(.key(.enter)) == [.loadMembers(groupId: "g", groupName: "Book club")])
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
        #expect(model.update(.key(.enter)) == [.quit])
        #expect(model.quitting)
    }

    @Test("Ctrl-C quits from anywhere")
    func controlC() {
        var model = UIFixture.model()
        model.overlay = .help
        #expect(model.update(.key(.control("c"))) == [.quit])
        #expect(model.quitting)
    }

    @Test("Tab, Shift-Tab and Alt-n switch groups")
    func switching() {
        var model = UIFixture.model()
        #expect(model.update(.key(.tab)) == [.focus(groupId: "h")])
        #expect(model.update(.key(.tab)) == [.focus(groupId: "g")])
        #expect(model.update(.key(.backTab)) == [.focus(groupId: "h")])
        #expect(model.update(.key(.alt("1"))) == [.focus(groupId: "g")])
        #expect(model.update(.key(.alt("9"))).isEmpty)
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
        #expect(model.update(.key(.pageUp)).isEmpty)
        #expect(model.scrollBack["g"] == 7)
        #expect(model.update(.key(.pageUp)) == [.loadOlder(groupId: "g")])
        #expect(model.update(.key(.pageDown)).isEmpty)
        _ = model.update(.key(.pageDown))
        _ = model.update(.key(.pageDown))
        #expect(model.scrollBack["g"] == 0)
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
