import ChatCore
import ChatTestSupport
import Foundation
import Testing

@Suite("chat-tui qr")
struct QRCommandTests {
    @Test("prints a scannable half-block code, without colour codes when stdout is not a terminal")
    func halfBlock() async throws {
        let text = "https://chat.example.org/join/k6MioymmMebBlW6gxkRy8ZM6LC1zSVCD"
        let result = try await ChildProcess.run("chat-tui", arguments: ["qr", text])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        #expect(!result.stdout.contains("\u{1B}"))
        let code = try QRCode(encoding: text, ecc: .medium)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let expected = (0..<code.size).map { y in (0..<code.size).map { code[$0, y] } }
        #expect(decodeHalfBlock(lines) == expected)
    }

    @Test(
        "on a terminal the code is drawn black on white explicitly (ANSI), and NO_COLOR turns that off",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs /usr/bin/script (util-linux) for a pseudo-terminal")
    )
    func terminalColours() async throws {
        let binary = ChildProcess.binDirectory.appendingPathComponent("chat-tui").path
        // `script` runs the command on a pseudo-terminal, as an interactive shell would.
        let onTTY = try await ChildProcess.run(absolute: "/usr/bin/script", arguments: ["-qec", "\(binary) qr hello", "/dev/null"])
        #expect(onTTY.status == 0)
        let lines = onTTY.stdout.split(separator: "\r\n").map(String.init)
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.hasPrefix("\u{1B}[30;47m") && $0.hasSuffix("\u{1B}[0m") })
        #expect(decodeHalfBlock(lines) != nil)
        let noColor = try await ChildProcess.run(
            absolute: "/usr/bin/script",
            arguments: ["-qec", "\(binary) qr hello", "/dev/null"],
            environment: ["NO_COLOR": "1"]
        )
        #expect(!noColor.stdout.contains("\u{1B}["))
    }

    @Test("--ecc, --style and --invert change the drawing")
    func options() async throws {
        let high = try await ChildProcess.run("chat-tui", arguments: ["qr", "--ecc", "h", "--style", "ascii", "hello"])
        #expect(high.status == 0)
        let code = try QRCode(encoding: "hello", ecc: .high)
        #expect(high.stdout == QRRenderer(style: .ascii).render(code))
        let inverted = try await ChildProcess.run("chat-tui", arguments: ["qr", "--invert", "--style", "full", "--", "-dash"])
        #expect(inverted.stdout == QRRenderer(style: .fullBlock, invert: true).render(try QRCode(encoding: "-dash")))
    }

    @Test("bad options and oversized payloads are one line on stderr with a non-zero exit")
    func errors() async throws {
        let cases: [([String], String)] = [
            (["qr", "--ecc", "X", "hi"], "use L, M, Q or H"),
            (["qr", "--style", "round", "hi"], "use half, full or ascii"),
            (["qr"], "Missing expected argument"),
            (["qr", "--frobnicate", "hi"], "Unknown option"),
            (["qr", "--ecc", "H", String(repeating: "a", count: 1274)], "too long for a QR code: 1274 bytes, but level H holds at most 1273"),
        ]
        for (arguments, message) in cases {
            let result = try await ChildProcess.run("chat-tui", arguments: arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.hasPrefix("chat-tui: "), "\(result.stderr)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(result.stderr.filter { $0 == "\n" }.count == 1, "\(result.stderr)")
        }
    }

    @Test("--help explains the command and exits 0")
    func help() async throws {
        let result = try await ChildProcess.run("chat-tui", arguments: ["qr", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("--ecc"))
        #expect(result.stdout.contains("NO_COLOR"))
    }
}
