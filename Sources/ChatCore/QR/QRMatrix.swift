/// The module grid while a symbol is being built: function patterns, codewords, masks and format bits.
struct QRMatrix {
    let version: Int
    let size: Int
    let ecc: QRErrorCorrection
    /// Row-major, `true` for dark.
    var modules: [Bool]
    /// Row-major, `true` where a function pattern lies (never masked).
    var isFunction: [Bool]

    init(version: Int, ecc: QRErrorCorrection) {
        self.version = version
        self.size = version * 4 + 17
        self.ecc = ecc
        self.modules = [Bool](repeating: false, count: self.size * self.size)
        self.isFunction = [Bool](repeating: false, count: self.size * self.size)
        self.drawFunctionPatterns()
    }

    /// The modules left for data and error correction in `version`.
    static func rawDataModules(version: Int) -> Int {
        var result = (16 * version + 128) * version + 64
        if version >= 2 {
            let alignments = version / 7 + 2
            result -= (25 * alignments - 10) * alignments - 55
            if version >= 7 { result -= 36 }
        }
        return result
    }

    private mutating func setFunction(_ x: Int, _ y: Int, _ dark: Bool) {
        self.modules[y * self.size + x] = dark
        self.isFunction[y * self.size + x] = true
    }

    // MARK: Function patterns

    private mutating func drawFunctionPatterns() {
        for index in 0..<self.size {
            self.setFunction(6, index, index % 2 == 0)
            self.setFunction(index, 6, index % 2 == 0)
        }
        self.drawFinder(3, 3)
        self.drawFinder(self.size - 4, 3)
        self.drawFinder(3, self.size - 4)
        let positions = self.alignmentPositions()
        let last = positions.count - 1
        for (i, x) in positions.enumerated() {
            for (j, y) in positions.enumerated() where !((i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0)) {
                self.drawAlignment(x, y)
            }
        }
        self.drawFormatBits(mask: 0)
        self.drawVersion()
    }

    private mutating func drawFinder(_ x: Int, _ y: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let distance = max(abs(dx), abs(dy))
                let (xx, yy) = (x + dx, y + dy)
                if (0..<self.size).contains(xx), (0..<self.size).contains(yy) {
                    self.setFunction(xx, yy, distance != 2 && distance != 4)
                }
            }
        }
    }

    private mutating func drawAlignment(_ x: Int, _ y: Int) {
        for dy in -2...2 {
            for dx in -2...2 {
                self.setFunction(x + dx, y + dy, max(abs(dx), abs(dy)) != 1)
            }
        }
    }

    /// The centres of the alignment patterns along each axis, in ascending order.
    private func alignmentPositions() -> [Int] {
        guard self.version > 1 else { return [] }
        let count = self.version / 7 + 2
        let step = (self.version * 8 + count * 3 + 5) / (count * 4 - 4) * 2
        var result = [Int](repeating: 6, count: count)
        var position = self.size - 7
        for index in stride(from: count - 1, through: 1, by: -1) {
            result[index] = position
            position -= step
        }
        return result
    }

    /// The 15 format bits (level and mask, BCH(15,5) protected), in both copies, and the dark module.
    mutating func drawFormatBits(mask: Int) {
        let bits = self.formatBits(mask: mask)
        for (bit, x, y) in Self.formatBitPositions(size: self.size) {
            self.setFunction(x, y, (bits >> bit) & 1 != 0)
        }
        self.setFunction(8, self.size - 8, true)
    }

    /// The format information for `mask` at this level: 5 data bits and 10 BCH bits, XORed with 0x5412.
    func formatBits(mask: Int) -> Int {
        let data = self.ecc.formatBits << 3 | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        return (data << 10 | remainder) ^ 0x5412
    }

    /// (bit, x, y) of each format module, both copies.
    static func formatBitPositions(size: Int) -> [(Int, Int, Int)] {
        var positions: [(Int, Int, Int)] = []
        for bit in 0...5 { positions.append((bit, 8, bit)) }
        positions += [(6, 8, 7), (7, 8, 8), (8, 7, 8)]
        for bit in 9..<15 { positions.append((bit, 14 - bit, 8)) }
        for bit in 0..<8 { positions.append((bit, size - 1 - bit, 8)) }
        for bit in 8..<15 { positions.append((bit, 8, size - 15 + bit)) }
        return positions
    }

    /// The 18 version bits (BCH(18,6) protected) of versions 7 and up, in both copies.
    private mutating func drawVersion() {
        guard self.version >= 7 else { return }
        var remainder = self.version
        for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
        let bits = self.version << 12 | remainder
        for index in 0..<18 {
            let dark = (bits >> index) & 1 != 0
            let a = self.size - 11 + index % 3
            let b = index / 3
            self.setFunction(a, b, dark)
            self.setFunction(b, a, dark)
        }
    }

    // MARK: Codewords

    /// Splits the data into blocks, appends each block's Reed–Solomon codewords, and interleaves the blocks.
    func addErrorCorrection(to data: [UInt8]) -> [UInt8] {
        let blockCount = self.ecc.blockCount(version: self.version)
        let eccLength = self.ecc.codewordsPerBlock(version: self.version)
        let rawCodewords = Self.rawDataModules(version: self.version) / 8
        let shortBlocks = blockCount - rawCodewords % blockCount
        let shortLength = rawCodewords / blockCount
        let divisor = ReedSolomon.divisor(degree: eccLength)
        var blocks: [[UInt8]] = []
        var offset = 0
        for index in 0..<blockCount {
            let dataLength = shortLength - eccLength + (index < shortBlocks ? 0 : 1)
            let slice = data[offset..<offset + dataLength]
            offset += dataLength
            var block = Array(slice)
            if index < shortBlocks { block.append(0) }  // placeholder, skipped when interleaving
            block += ReedSolomon.remainder(of: slice, divisor: divisor)
            blocks.append(block)
        }
        var result: [UInt8] = []
        result.reserveCapacity(rawCodewords)
        for column in 0..<blocks[0].count {
            for (index, block) in blocks.enumerated() where column != shortLength - eccLength || index >= shortBlocks {
                result.append(block[column])
            }
        }
        return result
    }

    /// Places the codeword bits in the zigzag order, two columns at a time, skipping function patterns.
    mutating func drawCodewords(_ codewords: [UInt8]) {
        var bitIndex = 0
        let totalBits = codewords.count * 8
        var right = self.size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = (right + 1) & 2 == 0
            for vertical in 0..<self.size {
                let y = upward ? self.size - 1 - vertical : vertical
                for x in stride(from: right, through: right - 1, by: -1) {
                    let index = y * self.size + x
                    guard !self.isFunction[index], bitIndex < totalBits else { continue }
                    self.modules[index] = (codewords[bitIndex >> 3] >> UInt8(7 - bitIndex & 7)) & 1 != 0
                    bitIndex += 1
                }
            }
            right -= 2
        }
    }

    // MARK: Masks

    /// Whether data mask `mask` inverts module (x, y).
    @inline(__always)
    static func masks(_ mask: Int, x: Int, y: Int) -> Bool {
        switch mask {
        case 0: (x + y) % 2 == 0
        case 1: y % 2 == 0
        case 2: x % 3 == 0
        case 3: (x + y) % 3 == 0
        case 4: (x / 3 + y / 2) % 2 == 0
        case 5: x * y % 2 + x * y % 3 == 0
        case 6: (x * y % 2 + x * y % 3) % 2 == 0
        default: ((x + y) % 2 + x * y % 3) % 2 == 0
        }
    }

    /// XORs data mask `mask` onto every non-function module (applying it twice undoes it).
    mutating func applyMask(_ mask: Int) {
        let size = self.size
        for y in 0..<size {
            for x in 0..<size where !self.isFunction[y * size + x] && Self.masks(mask, x: x, y: y) {
                self.modules[y * size + x].toggle()
            }
        }
    }

    /// The mask with the lowest penalty score; the lowest-numbered one on a tie.
    func bestMask() -> Int {
        let planes = QRBitPlanes(self)
        var best = 0
        var bestPenalty = Int.max
        for mask in 0..<8 {
            let penalty = planes.penalty(mask: mask, formatBits: self.formatBits(mask: mask))
            if penalty < bestPenalty {
                best = mask
                bestPenalty = penalty
            }
        }
        return best
    }
}
