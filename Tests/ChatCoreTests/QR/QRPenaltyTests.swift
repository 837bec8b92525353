import ChatTestSupport
import Testing

@testable import ChatCore

@Suite("QR mask scoring")
struct QRPenaltyTests {
    /// A symbol of `version` filled with random codewords, before masking.
    static func randomMatrix(version: Int, ecc: QRErrorCorrection, using random: inout SeededGenerator) -> QRMatrix {
        var matrix = QRMatrix(version: version, ecc: ecc)
        let count = QRMatrix.rawDataModules(version: version) / 8
        matrix.drawCodewords((0..<count).map { _ in UInt8.random(in: 0...255, using: &random) })
        return matrix
    }

    @Test("the fast bit-line score equals the module-by-module reference for every mask", arguments: [1, 2, 3, 6, 7, 10, 13, 20, 27, 33, 40])
    func fastEqualsReference(version: Int) {
        var random = SeededGenerator(state: UInt64(version) * 7919)
        for round in 0..<4 {
            let ecc = QRErrorCorrection.allCases[round]
            let matrix = Self.randomMatrix(version: version, ecc: ecc, using: &random)
            let planes = QRBitPlanes(matrix)
            for mask in 0..<8 {
                var masked = matrix
                masked.applyMask(mask)
                masked.drawFormatBits(mask: mask)
                #expect(
                    planes.penalty(mask: mask, formatBits: matrix.formatBits(mask: mask)) == masked.referencePenaltyScore(),
                    "version \(version) \(ecc) mask \(mask)"
                )
            }
        }
    }
}
