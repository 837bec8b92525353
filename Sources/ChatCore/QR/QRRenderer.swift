/// Draws a ``QRCode`` as terminal text, with the 4-module quiet zone that scanners need.
///
/// "Dark" is the colour of the text (the glyphs) and "light" the background. On a terminal with light text
/// on a dark background that draws a negative code, which many phones cannot read: use `invert`, or better
/// `colors`, which sets black on white explicitly (ANSI) whatever the terminal's theme.
public struct QRRenderer: Sendable, Hashable {
    /// How modules become characters.
    public enum Style: String, Sendable, Hashable, CaseIterable {
        /// `▀ ▄ █` and space: two module rows per line, so the code is roughly square. The default.
        case halfBlock = "half"
        /// `██` per module: twice as tall as half blocks, for fonts whose half blocks leave gaps.
        case fullBlock = "full"
        /// `##` per module, for terminals without Unicode.
        case ascii
    }

    public var style: Style
    /// Swaps dark and light.
    public var invert: Bool
    /// Wraps each line in ANSI black-on-white (`ESC[30;47m` … `ESC[0m`).
    public var colors: Bool
    /// Light modules around the code; the standard asks for 4.
    public var quietZone: Int

    public init(style: Style = .halfBlock, invert: Bool = false, colors: Bool = false, quietZone: Int = 4) {
        self.style = style
        self.invert = invert
        self.colors = colors
        self.quietZone = max(0, quietZone)
    }

    /// The text lines of the drawing, without newlines.
    public func lines(for code: QRCode) -> [String] {
        let span = code.size + 2 * self.quietZone
        let zone = self.quietZone
        let invert = self.invert
        func dark(_ x: Int, _ y: Int) -> Bool {
            code[x - zone, y - zone] != invert
        }
        let prefix: [UInt8] = self.colors ? Array("\u{1B}[30;47m".utf8) : []
        let suffix: [UInt8] = self.colors ? Array("\u{1B}[0m".utf8) : []
        var lines: [String] = []
        var bytes: [UInt8] = []
        bytes.reserveCapacity(prefix.count + span * 6 + suffix.count)
        switch self.style {
        case .halfBlock:
            for y in stride(from: 0, to: span, by: 2) {
                bytes.removeAll(keepingCapacity: true)
                bytes += prefix
                for x in 0..<span {
                    switch (dark(x, y), y + 1 < span ? dark(x, y + 1) : invert) {
                    case (true, true): bytes += Glyph.fullBlock
                    case (true, false): bytes += Glyph.upperHalf
                    case (false, true): bytes += Glyph.lowerHalf
                    case (false, false): bytes.append(UInt8(ascii: " "))
                    }
                }
                bytes += suffix
                lines.append(String(decoding: bytes, as: UTF8.self))
            }
        case .fullBlock, .ascii:
            let ink = self.style == .fullBlock ? Glyph.fullBlock + Glyph.fullBlock : Array("##".utf8)
            for y in 0..<span {
                bytes.removeAll(keepingCapacity: true)
                bytes += prefix
                for x in 0..<span {
                    if dark(x, y) { bytes += ink } else { bytes += [UInt8(ascii: " "), UInt8(ascii: " ")] }
                }
                bytes += suffix
                lines.append(String(decoding: bytes, as: UTF8.self))
            }
        }
        return lines
    }

    /// The drawing as one string, each line ended by a newline.
    public func render(_ code: QRCode) -> String {
        self.lines(for: code).map { $0 + "\n" }.joined()
    }

    /// The width and height, in terminal cells, of the drawing of a code `size` modules wide.
    public func cellSize(forModules size: Int) -> (columns: Int, rows: Int) {
        let span = size + 2 * self.quietZone
        switch self.style {
        case .halfBlock: return (span, (span + 1) / 2)
        case .fullBlock, .ascii: return (span * 2, span)
        }
    }
}

/// The UTF-8 bytes of the block glyphs.
private enum Glyph {
    /// `█`
    static let fullBlock: [UInt8] = [0xE2, 0x96, 0x88]
    /// `▀`
    static let upperHalf: [UInt8] = [0xE2, 0x96, 0x80]
    /// `▄`
    static let lowerHalf: [UInt8] = [0xE2, 0x96, 0x84]
}
