import ChatCore
import Testing

@Suite("Text from the network made safe for a terminal")
struct TerminalTextTests {
    @Test("escape sequences, carriage returns and C1 controls are shown inert; line breaks kept, tabs as spaces")
    func controls() {
        let hostile = "a\u{1B}]52;c;ZXZpbA==\u{07}b\rc\u{9B}2Jd\te\nf\u{7F}"
        let safe = TerminalText.sanitize(hostile)
        #expect(safe == "a^[]52;c;ZXZpbA==^Gbc\u{FFFD}2Jd    e\nf^?")
        #expect(!safe.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(TerminalText.line("one\ntwo") == "one two")
    }

    @Test("bidirectional overrides and isolates are shown as <U+XXXX>, so a line cannot read backwards")
    func bidi() {
        #expect(TerminalText.sanitize("invoice\u{202E}fdp.exe") == "invoice<U+202E>fdp.exe")
        #expect(TerminalText.sanitize("\u{2066}x\u{2069}\u{200F}") == "<U+2066>x<U+2069><U+200F>")
    }

    @Test("emoji with joiners, skin tones and variation selectors pass unchanged")
    func emoji() {
        let text = "👩🏽‍💻 ❤️ 👨‍👩‍👧 Ünïcödé"
        #expect(TerminalText.sanitize(text) == text)
    }
}
