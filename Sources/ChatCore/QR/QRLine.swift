/// One row or column of a symbol as 192 bits (bit i is module i; the largest symbol is 177 wide).
/// Bits past the symbol are always 0, so shifting brings in light modules, as the quiet zone is.
struct QRLine: Hashable {
    var w0: UInt64 = 0
    var w1: UInt64 = 0
    var w2: UInt64 = 0

    static let zero = QRLine()

    /// Bits 0..<count set.
    @inline(__always)
    static func ones(_ count: Int) -> QRLine {
        func word(_ base: Int) -> UInt64 {
            let bits = count - base
            return bits <= 0 ? 0 : bits >= 64 ? ~0 : (1 << UInt64(bits)) - 1
        }
        return QRLine(w0: word(0), w1: word(64), w2: word(128))
    }

    @inline(__always)
    subscript(bit: Int) -> Bool {
        get {
            guard bit >= 0, bit < 192 else { return false }
            let word = bit < 64 ? self.w0 : bit < 128 ? self.w1 : self.w2
            return (word >> UInt64(bit & 63)) & 1 != 0
        }
        set {
            let mask: UInt64 = 1 << UInt64(bit & 63)
            switch bit >> 6 {
            case 0: self.w0 = newValue ? self.w0 | mask : self.w0 & ~mask
            case 1: self.w1 = newValue ? self.w1 | mask : self.w1 & ~mask
            default: self.w2 = newValue ? self.w2 | mask : self.w2 & ~mask
            }
        }
    }

    @inline(__always)
    var nonzeroBitCount: Int { self.w0.nonzeroBitCount &+ self.w1.nonzeroBitCount &+ self.w2.nonzeroBitCount }

    @inline(__always)
    var isZero: Bool { (self.w0 | self.w1 | self.w2) == 0 }

    /// Bit i of the result is bit i + k of `self`, for −64 < k < 64. Bits shifted in are 0.
    @inline(__always)
    func ahead(_ k: Int) -> QRLine {
        if k > 0 {
            let k = UInt64(k)
            return QRLine(w0: self.w0 >> k | self.w1 << (64 - k), w1: self.w1 >> k | self.w2 << (64 - k), w2: self.w2 >> k)
        } else if k < 0 {
            let k = UInt64(-k)
            return QRLine(w0: self.w0 << k, w1: self.w1 << k | self.w0 >> (64 - k), w2: self.w2 << k | self.w1 >> (64 - k))
        }
        return self
    }

    /// Calls `body` with each set bit's index, in ascending order.
    @inline(__always)
    func forEachSetBit(_ body: (Int) -> Void) {
        for (base, word) in [(0, self.w0), (64, self.w1), (128, self.w2)] {
            var bits = word
            while bits != 0 {
                body(base + bits.trailingZeroBitCount)
                bits &= bits &- 1
            }
        }
    }

    @inline(__always)
    static func & (a: QRLine, b: QRLine) -> QRLine { QRLine(w0: a.w0 & b.w0, w1: a.w1 & b.w1, w2: a.w2 & b.w2) }
    @inline(__always)
    static func | (a: QRLine, b: QRLine) -> QRLine { QRLine(w0: a.w0 | b.w0, w1: a.w1 | b.w1, w2: a.w2 | b.w2) }
    @inline(__always)
    static func ^ (a: QRLine, b: QRLine) -> QRLine { QRLine(w0: a.w0 ^ b.w0, w1: a.w1 ^ b.w1, w2: a.w2 ^ b.w2) }
    @inline(__always)
    static prefix func ~ (a: QRLine) -> QRLine { QRLine(w0: ~a.w0, w1: ~a.w1, w2: ~a.w2) }
}
