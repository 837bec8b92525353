@testable import ChatCore

extension QRMatrix {
    /// The penalty score computed module by module, exactly as Project Nayuki's qrcodegen does: the reference
    /// that the fast bit-line scoring (QRBitPlanes) must agree with.

    /// The penalty weights of rules N1–N4 (literals, so that hot loops read no globals).
    @inline(__always) fileprivate static var n1: Int { 3 }
    @inline(__always) fileprivate static var n2: Int { 3 }
    @inline(__always) fileprivate static var n3: Int { 40 }
    @inline(__always) fileprivate static var n4: Int { 10 }

    /// The standard's score of how hard the symbol is to read: long runs (N1), 2×2 blocks (N2),
    /// finder-like 1:1:3:1:1 patterns with four light modules beside them (N3), and dark/light imbalance (N4).
    func referencePenaltyScore() -> Int {
        let size = self.size
        return self.modules.withUnsafeBufferPointer { modules in
            var result = 0
            for line in 0..<size {
                result += Self.linePenalty(modules, start: line * size, step: 1, size: size)
                result += Self.linePenalty(modules, start: line, step: size, size: size)
            }
            var dark = 0
            for y in 0..<size {
                let row = y * size
                for x in 0..<size {
                    let color = modules[row + x]
                    if color { dark += 1 }
                    if y < size - 1, x < size - 1, color == modules[row + x + 1], color == modules[row + size + x],
                        color == modules[row + size + x + 1]
                    {
                        result += Self.n2
                    }
                }
            }
            let total = size * size
            // The smallest k ≥ 0 with (45 − 5k)% ≤ dark/total ≤ (55 + 5k)%.
            let k = (abs(dark * 20 - total * 10) + total - 1) / total - 1
            return result + k * Self.n4
        }
    }

    /// N1 and N3 along one row or column: modules `start`, `start + step`, … The area outside the symbol counts
    /// as light, as the quiet zone is.
    private static func linePenalty(_ modules: UnsafeBufferPointer<Bool>, start: Int, step: Int, size: Int) -> Int {
        var result = 0
        var runColor = false
        var runLength = 0
        var history = ReferenceRunHistory(size: size)
        var index = start
        for _ in 0..<size {
            let color = modules[index]
            index += step
            if color == runColor {
                runLength += 1
                if runLength == 5 {
                    result += n1
                } else if runLength > 5 {
                    result += 1
                }
            } else {
                history.add(runLength)
                if !runColor { result += history.finderLikePatterns() * n3 }
                runColor = color
                runLength = 1
            }
        }
        if runColor {
            history.add(runLength)
            runLength = 0
        }
        history.add(runLength + size)
        return result + history.finderLikePatterns() * n3
    }
}

/// The lengths of the last seven runs along a line, newest first (r0), for rule N3.
private struct ReferenceRunHistory {
    let size: Int
    var (r0, r1, r2, r3, r4, r5, r6) = (0, 0, 0, 0, 0, 0, 0)

    init(size: Int) {
        self.size = size
    }

    mutating func add(_ length: Int) {
        // The first run borders the light area before the symbol.
        let length = self.r0 == 0 ? length + self.size : length
        (self.r6, self.r5, self.r4, self.r3, self.r2, self.r1, self.r0) = (self.r5, self.r4, self.r3, self.r2, self.r1, self.r0, length)
    }

    /// 0, 1 or 2: a dark-light-dark×3-light-dark core with four light modules on one side or the other.
    func finderLikePatterns() -> Int {
        let n = self.r1
        guard n > 0, self.r2 == n, self.r3 == n * 3, self.r4 == n, self.r5 == n else { return 0 }
        return (self.r0 >= n * 4 && self.r6 >= n ? 1 : 0) + (self.r6 >= n * 4 && self.r0 >= n ? 1 : 0)
    }
}
