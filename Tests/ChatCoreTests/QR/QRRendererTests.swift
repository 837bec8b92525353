import ChatTestSupport
import Testing

@testable import ChatCore

@Suite("QR terminal renderers")
struct QRRendererTests {
    static let code = try! QRCode(encoding: "https://chat.example.org/join/k6MioymmMebBlW6gxkRy8ZM6LC1zSVCD", ecc: .medium)

    var modules: [[Bool]] { (0..<Self.code.size).map { y in (0..<Self.code.size).map { Self.code[$0, y] } } }

    @Test("half blocks decode back to the module grid, plain, inverted and in colour")
    func halfBlockRoundTrip() {
        let plain = QRRenderer().lines(for: Self.code)
        #expect(decodeHalfBlock(plain) == self.modules)
        let inverted = QRRenderer(invert: true).lines(for: Self.code)
        #expect(inverted != plain)
        #expect(decodeHalfBlock(inverted, inverted: true) == self.modules)
        let colored = QRRenderer(colors: true).lines(for: Self.code)
        #expect(colored.allSatisfy { $0.hasPrefix("\u{1B}[30;47m") && $0.hasSuffix("\u{1B}[0m") })
        #expect(decodeHalfBlock(colored) == self.modules)
    }

    @Test("half blocks draw two module rows per line, with a 4-module quiet zone")
    func halfBlockShape() {
        let lines = QRRenderer().lines(for: Self.code)
        let span = Self.code.size + 8
        #expect(lines.count == (span + 1) / 2)
        #expect(lines.allSatisfy { $0.count == span })
        #expect(lines[0].allSatisfy { $0 == " " })
        #expect(lines[1].allSatisfy { $0 == " " })
        #expect(lines[2].hasPrefix("    ▄▄▄▄▄▄▄ ") || lines[2].hasPrefix("    █▀▀▀▀▀█ "))
        #expect(QRRenderer().cellSize(forModules: Self.code.size) == (span, (span + 1) / 2))
    }

    @Test("full blocks and ASCII use two characters per module")
    func wideStyles() {
        for (style, ink) in [(QRRenderer.Style.fullBlock, "██"), (.ascii, "##")] {
            let lines = QRRenderer(style: style).lines(for: Self.code)
            let span = Self.code.size + 8
            #expect(lines.count == span)
            let decoded = lines[4..<(4 + Self.code.size)].map { line in
                stride(from: 8, to: 8 + Self.code.size * 2, by: 2).map { offset -> Bool in
                    let start = line.index(line.startIndex, offsetBy: offset)
                    return String(line[start..<line.index(start, offsetBy: 2)]) == ink
                }
            }
            #expect(decoded == self.modules, "\(style)")
            #expect(lines.allSatisfy { $0.count == span * 2 })
            #expect(lines.first == String(repeating: " ", count: span * 2))
        }
        #expect(QRRenderer(style: .ascii).render(Self.code).allSatisfy { $0.isASCII })
    }

    @Test("inverting draws the quiet zone in ink")
    func invertedQuietZone() {
        let lines = QRRenderer(style: .ascii, invert: true).lines(for: Self.code)
        #expect(lines[0] == String(repeating: "#", count: (Self.code.size + 8) * 2))
    }
}
