/// Reads a half-block drawing back into modules, the way a camera would: glyph ink is dark.
public func decodeHalfBlock(_ lines: [String], quietZone: Int = 4, inverted: Bool = false) -> [[Bool]]? {
    var grid: [[Bool]] = []
    for line in lines {
        var top: [Bool] = []
        var bottom: [Bool] = []
        var text = line
        if text.hasPrefix("\u{1B}[30;47m") { text.removeFirst("\u{1B}[30;47m".count) }
        if text.hasSuffix("\u{1B}[0m") { text.removeLast("\u{1B}[0m".count) }
        for character in text {
            switch character {
            case "█": (top, bottom) = (top + [true], bottom + [true])
            case "▀": (top, bottom) = (top + [true], bottom + [false])
            case "▄": (top, bottom) = (top + [false], bottom + [true])
            case " ": (top, bottom) = (top + [false], bottom + [false])
            default: return nil
            }
        }
        grid += [top, bottom]
    }
    let modules = grid.map { $0.map { $0 != inverted } }
    let span = modules.first?.count ?? 0
    let size = span - 2 * quietZone
    // A drawing has equal rows, and at least as many module rows as columns (an odd count leaves a spare).
    guard size > 0, modules.allSatisfy({ $0.count == span }), modules.count >= span else { return nil }
    // The quiet zone must be light all around.
    for y in 0..<modules.count {
        for x in 0..<span where x < quietZone || x >= quietZone + size || y < quietZone || y >= quietZone + size {
            if modules[y][x] { return nil }
        }
    }
    return (quietZone..<quietZone + size).map { Array(modules[$0][quietZone..<quietZone + size]) }
}
