import ArgumentParser
import ChatCore
import Foundation

/// `chat-tui qr`: prints a QR code for any text.
struct QRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qr",
        abstract: "Print TEXT as a QR code.",
        discussion: """
            The code has a 4-module quiet zone. On a terminal it is drawn black on
            white explicitly, so it scans whatever the terminal's colours; piped,
            redirected or with NO_COLOR set, it is plain text.

            Examples:
              chat-tui qr https://chat.example.org/join/TOKEN
              chat-tui qr --ecc H --style ascii "hello" > code.txt
            """
    )

    @Option(name: .long, help: "Error correction level: L, M, Q or H.", transform: QRCommand.parseLevel)
    var ecc: QRErrorCorrection = .medium

    @Option(name: .long, help: "half (two rows per line), full (two characters per module) or ascii.", transform: QRCommand.parseStyle)
    var style: QRRenderer.Style = .halfBlock

    @Flag(name: .long, help: "Swap dark and light, for plain output on a dark-background terminal.")
    var invert = false

    @Argument(help: "The text to encode.")
    var text: String

    func run() throws {
        let code: QRCode
        do {
            code = try QRCode(encoding: self.text, ecc: self.ecc)
        } catch {
            throw CLIError(error.description)
        }
        let colors = Terminal.isTTY(STDOUT_FILENO) && !Terminal.noColor()
        FileHandle.standardOutput.write(Data(QRRenderer(style: self.style, invert: self.invert, colors: colors).render(code).utf8))
    }

    static func parseLevel(_ text: String) throws -> QRErrorCorrection {
        guard let level = QRErrorCorrection(letter: text) else { throw ValidationError("use L, M, Q or H") }
        return level
    }

    static func parseStyle(_ text: String) throws -> QRRenderer.Style {
        guard let style = QRRenderer.Style(rawValue: text.lowercased()) else {
            throw ValidationError("use half, full or ascii")
        }
        return style
    }
}
