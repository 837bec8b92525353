/// A terminal colour: the terminal's default, or one of the eight ANSI colours.
public enum TerminalColor: Int, Sendable, Hashable, CaseIterable {
    case standard = -1
    case black = 0
    case red, green, yellow, blue, magenta, cyan, white
}

/// How a cell is drawn.
public struct CellStyle: Sendable, Hashable {
    public var foreground: TerminalColor = .standard
    public var background: TerminalColor = .standard
    public var bold = false
    public var dim = false
    public var reverse = false
    public var underline = false

    public init(
        foreground: TerminalColor = .standard,
        background: TerminalColor = .standard,
        bold: Bool = false,
        dim: Bool = false,
        reverse: Bool = false,
        underline: Bool = false
    ) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.dim = dim
        self.reverse = reverse
        self.underline = underline
    }

    public static let plain = CellStyle()
    public static let bold = CellStyle(bold: true)
    public static let dim = CellStyle(dim: true)
    public static let reverse = CellStyle(reverse: true)
}

/// One screen cell: a grapheme cluster, or the second half of a wide one.
public struct Cell: Sendable, Hashable {
    public var character: Character
    public var style: CellStyle
    /// The right half of a double-width character drawn in the cell to the left.
    public var isContinuation: Bool

    public static let blank = Cell(character: " ", style: .plain, isContinuation: false)
}

/// An in-memory screen that views draw into; a thin terminal layer copies it to the real screen. Tests read
/// it back as text.
public struct CellGrid: Sendable, Hashable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = [Cell](repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        guard (0..<self.width).contains(x), (0..<self.height).contains(y) else { return .blank }
        return self.cells[y * self.width + x]
    }

    /// Draws `text` from column `x` of row `y`, clipped at `maxX` (exclusive); returns the column after it.
    /// A wide character that would straddle the clip edge is replaced by a space.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: CellStyle = .plain, maxX: Int? = nil) -> Int {
        guard (0..<self.height).contains(y) else { return x }
        let limit = min(maxX ?? self.width, self.width)
        var column = x
        for character in text {
            let width = DisplayWidth.of(character)
            if width == 0 { continue }
            if column + width > limit {
                for blank in column..<limit where blank >= 0 { self.set(blank, y, Cell(character: " ", style: style, isContinuation: false)) }
                return limit
            }
            if column >= 0 {
                self.set(column, y, Cell(character: character, style: style, isContinuation: false))
                for extra in 1..<max(1, width) { self.set(column + extra, y, Cell(character: " ", style: style, isContinuation: true)) }
            }
            column += width
        }
        return column
    }

    /// Paints a rectangle with spaces in `style`.
    public mutating func fill(x: Int, y: Int, width: Int, height: Int, style: CellStyle) {
        for row in max(0, y)..<min(self.height, y + height) {
            for column in max(0, x)..<min(self.width, x + width) {
                self.set(column, row, Cell(character: " ", style: style, isContinuation: false))
            }
        }
    }

    /// Sets the style of existing cells (for highlights that keep the text).
    public mutating func restyle(x: Int, y: Int, width: Int, style: CellStyle) {
        guard (0..<self.height).contains(y) else { return }
        for column in max(0, x)..<min(self.width, x + width) {
            self.cells[y * self.width + column].style = style
        }
    }

    private mutating func set(_ x: Int, _ y: Int, _ cell: Cell) {
        guard (0..<self.width).contains(x), (0..<self.height).contains(y) else { return }
        // Overwriting part of a wide character blanks the rest of it.
        let row = y * self.width
        if !self.cells[row + x].isContinuation {
            var next = x + 1
            while next < self.width, self.cells[row + next].isContinuation {
                self.cells[row + next] = .blank
                next += 1
            }
        } else if !cell.isContinuation {
            var head = x
            while head > 0, self.cells[row + head].isContinuation { head -= 1 }
            var part = head
            while part < self.width, part == head || self.cells[row + part].isContinuation {
                self.cells[row + part] = .blank
                part += 1
            }
        }
        self.cells[row + x] = cell
    }

    /// The rows as text, without trailing spaces: what a snapshot test compares.
    public var lines: [String] {
        (0..<self.height).map { y in
            var line = ""
            for x in 0..<self.width where !self[x, y].isContinuation { line.append(self[x, y].character) }
            while line.last == " " { line.removeLast() }
            return line
        }
    }

    /// The grid as one string, rows separated by newlines.
    public var text: String { self.lines.joined(separator: "\n") }
}
