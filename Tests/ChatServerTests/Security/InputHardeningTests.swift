import ChatCore
import ChatTestSupport
import Foundation
import HTTPTypes
import Testing

@testable import ChatServer

/// Text that would reach other people's terminals and pages: names may not reorder what follows them, and a
/// message's line ends are `\n`.
@Suite("Names and texts that reach terminals")
struct InputHardeningTests {
    static let bidiControls: [String] = ["\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}", "\u{202E}", "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}"]

    @Test("display names and group names with bidi controls are refused, on every route that sets one")
    func bidiInNames() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            for control in Self.bidiControls {
                let name = "admin\(control)nimda"
                try expectError(await api.call(.post, "/auth/guest", json: GuestRequest(displayName: name)), .badRequest, "invalid_display_name")
                try expectError(
                    await api.call(.post, "/auth/register", json: RegisterRequest(email: "b@x.org", password: "long enough", displayName: name)),
                    .badRequest,
                    "invalid_display_name"
                )
                try expectError(
                    await api.call(.post, "/groups", token: ann.token, json: CreateGroupRequest(name: name)),
                    .badRequest,
                    "invalid_group_name"
                )
                try expectError(
                    await api.call(.patch, "/groups/\(group.id)", token: ann.token, json: UpdateGroupRequest(name: name)),
                    .badRequest,
                    "invalid_group_name"
                )
            }
            // Right-to-left names without controls are fine.
            #expect(try await api.call(.post, "/auth/guest", json: GuestRequest(displayName: "שלום")).status == .created)
        }
    }

    @Test("a message's \\r and \\r\\n become \\n on the way in, in sends and edits; bidi controls in texts are kept")
    func lineEndsInMessages() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let sent = try await api.send(ann.token, group: group.id, text: "one\rtwo\r\nthree\n\rfour")
            #expect(sent.text == "one\ntwo\nthree\n\nfour")
            let stored = try await api.page(ann.token, group: group.id).messages.last
            #expect(stored?.text == "one\ntwo\nthree\n\nfour")
            let edited = try await api.edit(ann.token, group: group.id, message: sent.id, text: "fixed\r")
            #expect(try edited.decoded(Message.self).text == "fixed\n")
            let quoted = try await api.send(ann.token, group: group.id, text: "He said \u{2067}שלום\u{2069} twice")
            #expect(quoted.text == "He said \u{2067}שלום\u{2069} twice")
        }
    }

    @Test("line ends are normalised scalar by scalar: a lone \\r, \\r\\n and \\r\\r")
    func lineEndUnits() {
        #expect(Validation.lineEndsNormalised("a\rb") == "a\nb")
        #expect(Validation.lineEndsNormalised("a\r\nb") == "a\nb")
        #expect(Validation.lineEndsNormalised("a\r\r\nb") == "a\n\nb")
        #expect(Validation.lineEndsNormalised("\r") == "\n")
        #expect(Validation.lineEndsNormalised("no returns") == "no returns")
    }
}
