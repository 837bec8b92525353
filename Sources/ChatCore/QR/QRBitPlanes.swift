/// A symbol's modules as bit lines, once as rows and once as columns, so that the eight candidate masks can
/// be scored quickly. Masking is three word operations per line, and every penalty rule is computed on whole
/// lines with shifts, ANDs and bit counts; only rare long finder-like candidates are checked one by one.
///
/// The scores equal those of the standard's rules as the reference encoders compute them (see the tests).
struct QRBitPlanes {
    let size: Int
    /// Unmasked modules, row by row: bit x of `rows[y]` is module (x, y).
    private var rows: [QRLine]
    /// Unmasked modules, column by column: bit y of `columns[x]`.
    private var columns: [QRLine]
    /// Modules that masks may touch: inside the symbol and not part of a function pattern.
    private let maskableRows: [QRLine]
    private let maskableColumns: [QRLine]
    /// Where the format bits lie: (bit, x, y), both copies.
    private let formatPositions: [(Int, Int, Int)]

    init(_ matrix: QRMatrix) {
        let size = matrix.size
        self.size = size
        func planes(_ cells: [Bool]) -> (rows: [QRLine], columns: [QRLine]) {
            var rows: [UInt64] = []
            rows.reserveCapacity(size * 3)
            var columns = [UInt64](repeating: 0, count: size * 3)
            cells.withUnsafeBufferPointer { cells in
                for y in 0..<size {
                    var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
                    let columnBit: UInt64 = 1 << UInt64(y & 63)
                    let columnWord = y >> 6
                    for x in 0..<size where cells[y * size + x] {
                        let bit: UInt64 = 1 << UInt64(x & 63)
                        switch x >> 6 {
                        case 0: words.0 |= bit
                        case 1: words.1 |= bit
                        default: words.2 |= bit
                        }
                        columns[x * 3 + columnWord] |= columnBit
                    }
                    rows += [words.0, words.1, words.2]
                }
            }
            func lines(_ words: [UInt64]) -> [QRLine] {
                (0..<size).map { QRLine(w0: words[$0 * 3], w1: words[$0 * 3 + 1], w2: words[$0 * 3 + 2]) }
            }
            return (lines(rows), lines(columns))
        }
        (self.rows, self.columns) = planes(matrix.modules)
        let (functionRows, functionColumns) = planes(matrix.isFunction)
        let inside = QRLine.ones(size)
        self.maskableRows = functionRows.map { ~$0 & inside }
        self.maskableColumns = functionColumns.map { ~$0 & inside }
        self.formatPositions = QRMatrix.formatBitPositions(size: size)
    }

    /// The penalty score of the symbol with data mask `mask` and that mask's format bits.
    func penalty(mask: Int, formatBits: Int) -> Int {
        let templates = QRMaskTemplates.shared
        var rows = self.rows
        var columns = self.columns
        for line in 0..<self.size {
            rows[line] = rows[line] ^ (templates.row(mask: mask, y: line) & self.maskableRows[line])
            columns[line] = columns[line] ^ (templates.column(mask: mask, x: line) & self.maskableColumns[line])
        }
        for (bit, x, y) in self.formatPositions {
            let dark = (formatBits >> bit) & 1 != 0
            rows[y][x] = dark
            columns[x][y] = dark
        }
        let pairs = QRLine.ones(self.size - 1)
        var result = 0
        var dark = 0
        for line in 0..<self.size {
            result &+= self.linePenalty(rows[line], pairs: pairs)
            result &+= self.linePenalty(columns[line], pairs: pairs)
            dark &+= rows[line].nonzeroBitCount
            if line + 1 < self.size {
                // Rule N2: 2×2 blocks of one colour, counted at their top-left module.
                let top = rows[line]
                let bottom = rows[line + 1]
                let vertical = ~(top ^ bottom)
                let horizontal = ~(top ^ top.ahead(1))
                result &+= 3 &* (vertical & vertical.ahead(1) & horizontal & pairs).nonzeroBitCount
            }
        }
        let total = self.size * self.size
        // Rule N4: the smallest k ≥ 0 with (45 − 5k)% ≤ dark/total ≤ (55 + 5k)%.
        let k = (abs(dark * 20 - total * 10) + total - 1) / total - 1
        return result &+ k &* 10
    }

    /// Rules N1 and N3 along one line.
    @inline(__always)
    private func linePenalty(_ line: QRLine, pairs: QRLine) -> Int {
        // N1: a run of L ≥ 5 scores L − 2: one per window of five equal modules, plus 2 at the run's start.
        let equal = ~(line ^ line.ahead(1)) & pairs
        let fives = equal & equal.ahead(1) & equal.ahead(2) & equal.ahead(3)
        let starts = fives & ~equal.ahead(-1)
        var result = fives.nonzeroBitCount &+ 2 &* starts.nonzeroBitCount

        // N3 with unit 1: light, then 1011101, then light, with 4 light modules after (or before) it.
        // `light` shifted by k reads k modules ahead; beyond either end of the symbol is light, as the quiet zone is.
        let light = ~line
        let lightBefore = ~line.ahead(-1)
        let oneCore =
            lightBefore & line & light.ahead(1) & line.ahead(2) & line.ahead(3) & line.ahead(4) & light.ahead(5) & line.ahead(6)
            & light.ahead(7)
        let after = oneCore & light.ahead(8) & light.ahead(9) & light.ahead(10)
        let before = oneCore & ~line.ahead(-2) & ~line.ahead(-3) & ~line.ahead(-4)
        result &+= 40 &* (after.nonzeroBitCount &+ before.nonzeroBitCount)

        // N3 with unit n ≥ 2: find maximal dark runs of exactly 3n, which are rare, and check each.
        // `window` marks where `length` dark modules in a row start; it empties quickly.
        var window = line & line.ahead(1)
        var length = 2
        while !window.isZero {
            let longer = window & window.ahead(1)
            if length % 3 == 0, length >= 6 {
                (window & ~longer & lightBefore).forEachSetBit { start in
                    result &+= 40 &* self.finderLikePatterns(line, coreStart: start, unit: length / 3)
                }
            }
            window = longer
            length += 1
        }
        return result
    }

    /// 0, 1 or 2 for a maximal dark run of 3·`unit` at `coreStart`: whether it is the centre of a
    /// dark-light-dark-light-dark 1:1:3:1:1 pattern with 4·`unit` light modules on one side (and `unit` on the
    /// other). A light run that reaches the edge of the symbol counts the width of the symbol extra.
    private func finderLikePatterns(_ line: QRLine, coreStart start: Int, unit n: Int) -> Int {
        func run(_ from: Int, _ count: Int, dark: Bool) -> Bool {
            (from..<from + count).allSatisfy { $0 >= 0 && $0 < self.size && line[$0] == dark }
        }
        func isDark(_ position: Int) -> Bool { position >= 0 && position < self.size && line[position] }
        guard run(start - n, n, dark: false), isDark(start - n - 1), run(start - 2 * n, n, dark: true), !isDark(start - 2 * n - 1),
            run(start + 3 * n, n, dark: false), isDark(start + 4 * n), run(start + 4 * n, n, dark: true), !isDark(start + 5 * n)
        else { return 0 }
        var before = 0
        var position = start - 2 * n - 1
        while position >= 0, !line[position] {
            before += 1
            position -= 1
        }
        if position < 0 { before += self.size }
        var after = 0
        position = start + 5 * n
        while position < self.size, !line[position] {
            after += 1
            position += 1
        }
        if position >= self.size { after += self.size }
        return (after >= 4 * n && before >= n ? 1 : 0) + (before >= 4 * n && after >= n ? 1 : 0)
    }
}

/// The eight data masks as bit lines, computed once per process. Every mask repeats every 12 rows and
/// 12 columns, so 12 lines per orientation cover any symbol.
final class QRMaskTemplates: Sendable {
    static let shared = QRMaskTemplates()

    /// `[mask * 12 + y % 12]`: bit x set where the mask inverts module (x, y).
    private let rows: [QRLine]
    /// `[mask * 12 + x % 12]`: bit y set where the mask inverts module (x, y).
    private let columns: [QRLine]

    private init() {
        var rows = [QRLine](repeating: .zero, count: 8 * 12)
        var columns = rows
        for mask in 0..<8 {
            for phase in 0..<12 {
                for position in 0..<192 {
                    rows[mask * 12 + phase][position] = QRMatrix.masks(mask, x: position, y: phase)
                    columns[mask * 12 + phase][position] = QRMatrix.masks(mask, x: phase, y: position)
                }
            }
        }
        self.rows = rows
        self.columns = columns
    }

    @inline(__always)
    func row(mask: Int, y: Int) -> QRLine { self.rows[mask * 12 + y % 12] }

    @inline(__always)
    func column(mask: Int, x: Int) -> QRLine { self.columns[mask * 12 + x % 12] }
}
