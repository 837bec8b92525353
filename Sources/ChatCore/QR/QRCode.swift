/// A QR Code symbol (ISO/IEC 18004, Model 2): a `size` × `size` grid of dark and light modules, without the
/// quiet zone.
///
/// ```swift
/// let code = try QRCode(encoding: "https://chat.example.org/join/abc", ecc: .medium)
/// code[x, y]  // true for a dark module
/// ```
public struct QRCode: Sendable, Hashable {
    /// 1–40; the symbol is `version * 4 + 17` modules wide.
    public let version: Int
    /// The width and height in modules.
    public let size: Int
    public let errorCorrection: QRErrorCorrection
    /// The data mask pattern, 0–7.
    public let mask: Int
    /// Row-major, `true` for dark.
    let modules: [Bool]

    /// The smallest and largest versions.
    public static let versions: ClosedRange<Int> = 1...40

    /// Encodes `text` in the smallest version that fits, in the most compact single mode (numeric,
    /// alphanumeric or UTF-8 bytes), with the mask that the standard's penalty rules prefer.
    public init(encoding text: String, ecc: QRErrorCorrection = .medium) throws(QRCodeError) {
        try self.init(segments: [QRSegment.automatic(text)], ecc: ecc)
    }

    /// Encodes raw bytes in byte mode.
    public init(bytes: [UInt8], ecc: QRErrorCorrection = .medium) throws(QRCodeError) {
        try self.init(segments: [QRSegment.bytes(bytes)], ecc: ecc)
    }

    /// Encodes `segments` in the smallest version within `versions` that holds them. With a `mask`, that
    /// mask is used; without one, the mask with the lowest penalty score is chosen.
    public init(
        segments: [QRSegment],
        ecc: QRErrorCorrection,
        versions: ClosedRange<Int> = QRCode.versions,
        mask: Int? = nil
    ) throws(QRCodeError) {
        guard versions.lowerBound >= 1, versions.upperBound <= 40 else { throw .invalidVersion(versions.lowerBound) }
        if let mask, !(0...7).contains(mask) { throw .invalidMask(mask) }
        guard let (version, usedBits) = Self.smallestVersion(for: segments, ecc: ecc, in: versions) else {
            throw QRCodeError.tooLong(segments: segments, ecc: ecc, maxVersion: versions.upperBound)
        }
        let codewords = Self.dataCodewords(segments, version: version, ecc: ecc, usedBits: usedBits)
        var matrix = QRMatrix(version: version, ecc: ecc)
        matrix.drawCodewords(matrix.addErrorCorrection(to: codewords))
        let chosen = mask ?? matrix.bestMask()
        matrix.applyMask(chosen)
        matrix.drawFormatBits(mask: chosen)
        self.version = version
        self.size = matrix.size
        self.errorCorrection = ecc
        self.mask = chosen
        self.modules = matrix.modules
    }

    /// Whether the module at column `x`, row `y` is dark. Coordinates outside the symbol are light.
    public subscript(x: Int, y: Int) -> Bool {
        guard (0..<self.size).contains(x), (0..<self.size).contains(y) else { return false }
        return self.modules[y * self.size + x]
    }

    /// The data codewords that `version` holds at level `ecc`.
    static func dataCodewordCount(version: Int, ecc: QRErrorCorrection) -> Int {
        QRMatrix.rawDataModules(version: version) / 8 - ecc.codewordsPerBlock(version: version) * ecc.blockCount(version: version)
    }

    private static func smallestVersion(
        for segments: [QRSegment],
        ecc: QRErrorCorrection,
        in versions: ClosedRange<Int>
    ) -> (Int, Int)? {
        for version in versions {
            if let used = QRSegment.totalBits(segments, version: version), used <= dataCodewordCount(version: version, ecc: ecc) * 8 {
                return (version, used)
            }
        }
        return nil
    }

    /// Mode indicators, counts and data, then the terminator, byte padding and the 0xEC 0x11 pad bytes.
    private static func dataCodewords(_ segments: [QRSegment], version: Int, ecc: QRErrorCorrection, usedBits: Int) -> [UInt8] {
        var buffer = QRBitBuffer()
        buffer.bits.reserveCapacity(usedBits + 16)
        for segment in segments {
            buffer.append(segment.mode.indicator, count: 4)
            buffer.append(segment.characterCount, count: segment.mode.characterCountBits(version: version))
            buffer.bits += segment.bits
        }
        let capacity = dataCodewordCount(version: version, ecc: ecc) * 8
        buffer.append(0, count: min(4, capacity - buffer.bits.count))
        buffer.append(0, count: (8 - buffer.bits.count % 8) % 8)
        var pad = 0xEC
        while buffer.bits.count < capacity {
            buffer.append(pad, count: 8)
            pad ^= 0xEC ^ 0x11
        }
        var bytes = [UInt8](repeating: 0, count: capacity / 8)
        for (index, bit) in buffer.bits.enumerated() where bit {
            bytes[index >> 3] |= 0x80 >> UInt8(index & 7)
        }
        return bytes
    }
}

/// Why a QR code could not be made.
public enum QRCodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The data does not fit in the largest allowed version at this level.
    case dataTooLong(mode: QRSegment.Mode, length: Int, limit: Int, ecc: QRErrorCorrection)
    /// A version outside 1–40.
    case invalidVersion(Int)
    /// A mask outside 0–7.
    case invalidMask(Int)

    public var description: String {
        switch self {
        case .dataTooLong(let mode, let length, let limit, let ecc):
            let unit = mode == .byte ? "bytes" : "\(mode.rawValue) characters"
            return "too long for a QR code: \(length) \(unit), but level \(ecc) holds at most \(limit)"
        case .invalidVersion(let version):
            return "QR code versions run from 1 to 40 (got \(version))"
        case .invalidMask(let mask):
            return "QR code masks run from 0 to 7 (got \(mask))"
        }
    }

    /// The error for `segments` that do not fit, with the limit in the units of their mode.
    static func tooLong(segments: [QRSegment], ecc: QRErrorCorrection, maxVersion: Int) -> QRCodeError {
        let mode = segments.count == 1 ? segments[0].mode : .byte
        let length = segments.reduce(0) { $0 + $1.characterCount }
        let bits = QRCode.dataCodewordCount(version: maxVersion, ecc: ecc) * 8 - 4 - mode.characterCountBits(version: maxVersion)
        let limit: Int =
            switch mode {
            case .numeric: bits / 10 * 3 + (bits % 10 >= 7 ? 2 : bits % 10 >= 4 ? 1 : 0)
            case .alphanumeric: bits / 11 * 2 + (bits % 11 >= 6 ? 1 : 0)
            case .byte: bits / 8
            }
        return .dataTooLong(mode: mode, length: length, limit: limit, ecc: ecc)
    }
}
