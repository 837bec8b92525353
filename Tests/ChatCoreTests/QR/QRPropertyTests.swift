import ChatTestSupport
import Foundation
import Testing

@testable import ChatCore

@Suite("QR encoder properties over random payloads")
struct QRPropertyTests {
    /// Byte-mode capacity of each version (ISO/IEC 18004 Table 7), independent of the encoder's own arithmetic.
    static let byteCapacity: [QRErrorCorrection: [Int]] = [
        .low: [
            17, 32, 53, 78, 106, 134, 154, 192, 230, 271, 321, 367, 425, 458, 520, 586, 644, 718, 792, 858, 929, 1003, 1091, 1171,
            1273, 1367, 1465, 1528, 1628, 1732, 1840, 1952, 2068, 2188, 2303, 2431, 2563, 2699, 2809, 2953,
        ],
        .medium: [
            14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412, 450, 504, 560, 624, 666, 711, 779, 857, 911, 997,
            1059, 1125, 1190, 1264, 1370, 1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331,
        ],
        .quartile: [
            11, 20, 32, 46, 60, 74, 86, 108, 130, 151, 177, 203, 241, 258, 292, 322, 364, 394, 442, 482, 509, 565, 611, 661, 715,
            751, 805, 868, 908, 982, 1030, 1112, 1168, 1228, 1283, 1351, 1423, 1499, 1579, 1663,
        ],
        .high: [
            7, 14, 24, 34, 44, 58, 64, 84, 98, 119, 137, 155, 177, 194, 220, 250, 280, 310, 338, 382, 403, 439, 461, 511, 535, 593,
            625, 658, 698, 742, 790, 842, 898, 958, 983, 1051, 1093, 1139, 1219, 1273,
        ],
    ]

    /// The smallest version whose byte capacity at `ecc` holds `length` bytes.
    static func smallestVersion(for length: Int, ecc: QRErrorCorrection) -> Int? {
        byteCapacity[ecc]!.firstIndex { $0 >= length }.map { $0 + 1 }
    }

    @Test(
        "random payloads from 1 byte to the level's capacity get the smallest version that fits",
        .tags(.qr),
        arguments: QRErrorCorrection.allCases
    )
    func smallestVersion(_ ecc: QRErrorCorrection) throws {
        var random = SeededGenerator(state: 18004 &+ UInt64(ecc.formatBits))
        let capacities = Self.byteCapacity[ecc]!
        // Random lengths in the whole range, encoded with the automatic mask choice…
        for _ in 0..<16 {
            let length = Int.random(in: 1...capacities.last!, using: &random)
            let code = try QRCode(bytes: Self.payload(length, using: &random), ecc: ecc)
            #expect(code.version == Self.smallestVersion(for: length, ecc: ecc), "\(length) bytes at \(ecc)")
            #expect(code.size == code.version * 4 + 17)
            #expect((0...7).contains(code.mask))
        }
        // …and every version's exact capacity and one byte past it. The mask is fixed here only to save time:
        // the version does not depend on it.
        for length in Set([1] + capacities + capacities.dropLast().map { $0 + 1 }).sorted() {
            let code = try QRCode(segments: [.bytes(Self.payload(length, using: &random))], ecc: ecc, mask: length % 8)
            #expect(code.version == Self.smallestVersion(for: length, ecc: ecc), "\(length) bytes at \(ecc)")
        }
    }

    static func payload(_ length: Int, using random: inout SeededGenerator) -> [UInt8] {
        (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    @Test("one byte past the capacity is a typed error that states the limit", .tags(.qr), arguments: QRErrorCorrection.allCases)
    func tooLong(_ ecc: QRErrorCorrection) {
        let limit = Self.byteCapacity[ecc]!.last!
        #expect(throws: QRCodeError.dataTooLong(mode: .byte, length: limit + 1, limit: limit, ecc: ecc)) {
            try QRCode(bytes: [UInt8](repeating: 0x61, count: limit + 1), ecc: ecc)
        }
        do {
            _ = try QRCode(encoding: String(repeating: "é", count: limit), ecc: ecc)
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "too long for a QR code: \(limit * 2) bytes, but level \(ecc) holds at most \(limit)")
        }
    }

    @Test("numeric and alphanumeric limits are stated in characters")
    func otherLimits() {
        #expect(throws: QRCodeError.dataTooLong(mode: .numeric, length: 7090, limit: 7089, ecc: .low)) {
            try QRCode(encoding: String(repeating: "7", count: 7090), ecc: .low)
        }
        #expect(throws: QRCodeError.dataTooLong(mode: .alphanumeric, length: 1853, limit: 1852, ecc: .high)) {
            try QRCode(encoding: String(repeating: "A", count: 1853), ecc: .high)
        }
        #expect(throws: Never.self) { try QRCode(encoding: String(repeating: "7", count: 7089), ecc: .low) }
        #expect(throws: Never.self) { try QRCode(encoding: String(repeating: "A", count: 1852), ecc: .high) }
    }

    @Test("random Unicode text never crashes: it encodes, or throws dataTooLong")
    func neverCrashes() {
        var random = SeededGenerator(state: 42)
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "$", "é", "字", "🙂", "\u{0}", "\u{FFFD}", "\n"]
        for _ in 0..<24 {
            let length = Int.random(in: 0...1400, using: &random)
            let text = String(String.UnicodeScalarView((0..<length).map { _ in alphabet.randomElement(using: &random)! }))
            for ecc in QRErrorCorrection.allCases {
                do {
                    let code = try QRCode(encoding: text, ecc: ecc)
                    #expect(code.size >= 21)
                } catch {
                    guard case .dataTooLong = error else {
                        Issue.record("unexpected \(error)")
                        continue
                    }
                }
            }
        }
    }

    @Test("the mode is chosen for the text")
    func modes() throws {
        #expect(QRSegment.automatic("0123456789").mode == .numeric)
        #expect(QRSegment.automatic("HTTPS://CHAT.EXAMPLE.ORG/J/ABC").mode == .alphanumeric)
        #expect(QRSegment.automatic("https://chat.example.org/join/abc").mode == .byte)
        #expect(QRSegment.automatic("").mode == .byte)
        #expect(QRSegment.automatic("你好").characterCount == 6)
        // A numeric code of 41 digits fits version 1 at L; the same digits as bytes would not.
        #expect(try QRCode(encoding: String(repeating: "1", count: 41), ecc: .low).version == 1)
    }

    @Test("versions and masks outside the standard are refused")
    func invalidArguments() {
        #expect(throws: QRCodeError.invalidMask(8)) { try QRCode(segments: [.bytes([1])], ecc: .low, mask: 8) }
        #expect(throws: QRCodeError.invalidVersion(0)) { try QRCode(segments: [.bytes([1])], ecc: .low, versions: 0...3) }
        #expect(throws: QRCodeError.dataTooLong(mode: .byte, length: 18, limit: 17, ecc: .low)) {
            try QRCode(segments: [.bytes([UInt8](repeating: 1, count: 18))], ecc: .low, versions: 1...1)
        }
    }
}
