import ChatTestSupport
import Foundation
import Testing

@testable import ChatTUI

@Suite("config.toml, the saved UI state, and $EDITOR")
struct UserConfigTests {
    static func load(_ text: String?, environment: [String: String] = [:]) throws(CLIError) -> UISettings {
        let directory = try! TemporaryDirectory()
        let url = directory.url.appendingPathComponent("config.toml")
        if let text { try! Data(text.utf8).write(to: url) }
        return try UserConfig.load(from: url, environment: environment)
    }

    @Test("no file gives the defaults; every key is read; NO_COLOR turns colours off whatever the file says")
    func settings() throws {
        let defaults = try Self.load(nil)
        #expect(defaults == UISettings())
        let set = try Self.load(
            """
            bell = false
            timestamp_format = "%H:%M:%S"
            mouse = false
            [colors]
            highlight = "magenta"
            """
        )
        #expect(!set.bell && !set.mouse && set.timestampFormat == "%H:%M:%S" && set.highlight == .magenta && set.colors)
        #expect(try !Self.load("[colors]\nenabled = true", environment: ["NO_COLOR": "1"]).colors)
        #expect(try Self.load(nil, environment: ["NO_COLOR": ""]).colors, "an empty NO_COLOR does not count")
    }

    @Test("a broken file, an unknown key, a wrong type or an unknown colour is one line naming it")
    func errors() {
        let cases: [(String, String)] = [
            ("bell = ", "line 1"),
            ("bel = true", "unknown setting bel"),
            ("bell = \"yes\"", "bell has the wrong type"),
            ("[colors]\nhighlight = \"mauve\"", "colors.highlight must be one of black, red"),
            ("timestamp_format = \"\"", "timestamp_format must hold 1 to 32 characters"),
        ]
        for (text, expected) in cases {
            do {
                _ = try Self.load(text)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.message.contains(expected), "\(text): \(error.message)")
                #expect(!error.message.contains("\n"))
            }
        }
    }

    @Test("the UI state is saved with mode 0600, read back, and deleted with the session at logout")
    func uiState() throws {
        let directory = try TemporaryDirectory()
        let store = SessionStore(environment: ["CHAT_HOME": directory.path("home")])
        #expect(store.loadUIState() == UIState())
        let state = UIState(numbers: ["b", "a"], histories: ["a": ["one", "two"]])
        try store.saveUIState(state)
        #expect(store.loadUIState() == state)
        let mode = try FileManager.default.attributesOfItem(atPath: store.uiStateURL.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try Data("not json".utf8).write(to: store.uiStateURL)
        #expect(store.loadUIState() == UIState(), "a damaged file gives a fresh start")
        store.delete()
        #expect(!FileManager.default.fileExists(atPath: store.uiStateURL.path))
    }

    @Test("$EDITOR gets the text in a private file and its changes come back; a failing editor changes nothing")
    func externalEditor() throws {
        let edited = ExternalEditor.edit("draft line", environment: ["EDITOR": "sed -i -e 's/draft/edited/' -e '$a second'"])
        #expect(try edited.get() == "edited line\nsecond\n")
        if case .success = ExternalEditor.edit("draft", environment: ["EDITOR": "false"]) {
            Issue.record("a failing editor's text was taken")
        }
        #expect(try ExternalEditor.edit("kept", environment: ["VISUAL": "true", "EDITOR": "false"]).get() == "kept", "VISUAL comes first")
    }
}
