import Foundation
import Testing

@testable import ChatCore

/// One reference symbol from `qr-vectors.json` (made by qrcodegen 1.8.0, cross-checked with python-qrcode).
struct QRVector: Decodable, Sendable, CustomTestStringConvertible {
    let kind: String
    let text: String
    let mode: String
    let error: String
    let version: Int
    let mask: Int
    let matrix: [String]
    let maskAgreed: Bool?

    var testDescription: String { "\(self.kind) v\(self.version) \(self.error) mask \(self.mask) \(self.mode) \"\(self.text.prefix(24))\"" }

    /// The single segment the reference encoded.
    var segment: QRSegment {
        switch self.mode {
        case "numeric": QRSegment.numeric(self.text)!
        case "alphanumeric": QRSegment.alphanumeric(self.text)!
        default: QRSegment.bytes(Array(self.text.utf8))
        }
    }

    var ecc: QRErrorCorrection { QRErrorCorrection(letter: self.error)! }

    static let all: [QRVector] = {
        struct File: Decodable { let vectors: [QRVector] }
        let url = Bundle.module.url(forResource: "qr-vectors", withExtension: "json", subdirectory: "Resources")!
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).vectors
    }()
}

/// The rows of a symbol as `1` (dark) and `0` (light), like the vectors.
func rows(of code: QRCode) -> [String] {
    (0..<code.size).map { y in String((0..<code.size).map { code[$0, y] ? "1" : "0" }) }
}

@Suite("QR encoder against the reference matrices")
struct QRVectorTests {
    @Test("the vector file is complete", .tags(.qr))
    func inventory() {
        #expect(QRVector.all.count == 98)
        #expect(QRVector.all.filter { $0.kind == "pinned" }.count == 40)
        #expect(QRVector.all.filter { $0.kind == "auto" }.count == 58)
    }

    @Test("pinned vectors: told the version and mask, the matrix matches exactly", .tags(.qr), arguments: QRVector.all.filter { $0.kind == "pinned" })
    func pinned(_ vector: QRVector) throws {
        let code = try QRCode(segments: [vector.segment], ecc: vector.ecc, versions: vector.version...vector.version, mask: vector.mask)
        #expect(code.version == vector.version)
        #expect(code.mask == vector.mask)
        #expect(rows(of: code) == vector.matrix)
    }

    @Test(
        "auto vectors: left to choose, the version, the mask and the matrix match",
        .tags(.qr),
        arguments: QRVector.all.filter { $0.kind == "auto" }
    )
    func automatic(_ vector: QRVector) throws {
        let code = try QRCode(segments: [vector.segment], ecc: vector.ecc)
        #expect(code.version == vector.version)
        #expect(code.mask == vector.mask)
        #expect(rows(of: code) == vector.matrix)
    }
}

extension Tag {
    @Tag static var qr: Self
}
