/// A run of data in one encoding mode. A QR code holds one or more segments.
public struct QRSegment: Sendable, Hashable {
    /// How a segment's characters are packed into bits.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Digits 0–9, three to 10 bits.
        case numeric
        /// 0–9, A–Z, space and `$%*+-./:`, two to 11 bits.
        case alphanumeric
        /// Any bytes, eight bits each (text as UTF-8, without an ECI header).
        case byte

        /// The four-bit mode indicator.
        var indicator: Int {
            switch self {
            case .numeric: 0x1
            case .alphanumeric: 0x2
            case .byte: 0x4
            }
        }

        /// Width of the character count field in versions 1–9, 10–26 and 27–40.
        func characterCountBits(version: Int) -> Int {
            let widths: [Int] =
                switch self {
                case .numeric: [10, 12, 14]
                case .alphanumeric: [9, 11, 13]
                case .byte: [8, 16, 16]
                }
            return widths[(version + 7) / 17]
        }
    }

    /// The characters that alphanumeric mode can hold, in the order of their values.
    static let alphanumericCharset = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".utf8)

    public let mode: Mode
    /// Characters (numeric, alphanumeric) or bytes (byte mode).
    public let characterCount: Int
    let bits: [Bool]

    /// A byte segment.
    public static func bytes(_ data: [UInt8]) -> QRSegment {
        var buffer = QRBitBuffer()
        for byte in data { buffer.append(Int(byte), count: 8) }
        return QRSegment(mode: .byte, characterCount: data.count, bits: buffer.bits)
    }

    /// A numeric segment, or `nil` when `digits` holds anything but 0–9.
    public static func numeric(_ digits: String) -> QRSegment? {
        let bytes = Array(digits.utf8)
        guard bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        var buffer = QRBitBuffer()
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            let value = bytes[index..<index + count].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            buffer.append(value, count: count * 3 + 1)
            index += count
        }
        return QRSegment(mode: .numeric, characterCount: bytes.count, bits: buffer.bits)
    }

    /// An alphanumeric segment, or `nil` when `text` holds a character outside the alphanumeric set.
    public static func alphanumeric(_ text: String) -> QRSegment? {
        var values: [Int] = []
        for byte in text.utf8 {
            guard let value = alphanumericCharset.firstIndex(of: byte) else { return nil }
            values.append(value)
        }
        var buffer = QRBitBuffer()
        var index = 0
        while index + 1 < values.count {
            buffer.append(values[index] * 45 + values[index + 1], count: 11)
            index += 2
        }
        if index < values.count { buffer.append(values[index], count: 6) }
        return QRSegment(mode: .alphanumeric, characterCount: values.count, bits: buffer.bits)
    }

    /// The most compact single segment for `text`: numeric, else alphanumeric, else UTF-8 bytes.
    public static func automatic(_ text: String) -> QRSegment {
        if !text.isEmpty, let numeric = numeric(text) { return numeric }
        if !text.isEmpty, let alphanumeric = alphanumeric(text) { return alphanumeric }
        return bytes(Array(text.utf8))
    }

    /// The bits `segments` take at `version`, or `nil` when a character count does not fit its field.
    static func totalBits(_ segments: [QRSegment], version: Int) -> Int? {
        var total = 0
        for segment in segments {
            let countBits = segment.mode.characterCountBits(version: version)
            guard segment.characterCount < 1 << countBits else { return nil }
            total += 4 + countBits + segment.bits.count
        }
        return total
    }
}

/// Bits appended most significant first.
struct QRBitBuffer {
    var bits: [Bool] = []

    /// Appends the low `count` bits of `value`.
    mutating func append(_ value: Int, count: Int) {
        for shift in stride(from: count - 1, through: 0, by: -1) {
            self.bits.append((value >> shift) & 1 == 1)
        }
    }
}
