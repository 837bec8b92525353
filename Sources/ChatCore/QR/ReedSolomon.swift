/// Reed–Solomon error correction over GF(2⁸) with the QR polynomial x⁸ + x⁴ + x³ + x² + 1.
enum ReedSolomon {
    /// exp[i] = αⁱ, doubled so that a sum of two logs needs no modulo.
    private static let tables: (exp: [UInt8], log: [Int]) = {
        var exp = [UInt8](repeating: 0, count: 512)
        var log = [Int](repeating: 0, count: 256)
        var value = 1
        for power in 0..<255 {
            exp[power] = UInt8(value)
            log[value] = power
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        for power in 255..<512 { exp[power] = exp[power - 255] }
        return (exp, log)
    }()

    /// The product of two field elements.
    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        guard x != 0, y != 0 else { return 0 }
        return tables.exp[tables.log[Int(x)] + tables.log[Int(y)]]
    }

    /// The generator polynomial of `degree`, highest coefficient first, without its leading 1.
    static func divisor(degree: Int) -> [UInt8] {
        precondition((1...255).contains(degree), "Reed-Solomon degree out of range")
        var result = [UInt8](repeating: 0, count: degree)
        result[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            // Multiply the current product by (x - root).
            for index in 0..<degree {
                result[index] = multiply(result[index], root)
                if index + 1 < degree { result[index] ^= result[index + 1] }
            }
            root = multiply(root, 0x02)
        }
        return result
    }

    /// The error correction codewords of `data` for `divisor`: the remainder of the polynomial division.
    static func remainder(of data: ArraySlice<UInt8>, divisor: [UInt8]) -> [UInt8] {
        let (exp, log) = tables
        let degree = divisor.count
        // Divisor coefficients as logarithms (−1 for zero), so each step is one table lookup per term.
        let divisorLogs = divisor.map { $0 == 0 ? -1 : log[Int($0)] }
        var result = [UInt8](repeating: 0, count: degree)
        result.withUnsafeMutableBufferPointer { result in
            for byte in data {
                let factor = byte ^ result[0]
                for index in 0..<degree - 1 { result[index] = result[index + 1] }
                result[degree - 1] = 0
                guard factor != 0 else { continue }
                let logFactor = log[Int(factor)]
                for index in 0..<degree where divisorLogs[index] >= 0 {
                    result[index] ^= exp[divisorLogs[index] + logFactor]
                }
            }
        }
        return result
    }
}
