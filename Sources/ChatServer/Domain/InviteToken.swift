import Crypto
import Foundation

/// An invite's secret: 192 bits from the system CSPRNG, written in base64url. Only its SHA-256 is stored.
struct InviteToken: Sendable, Hashable {
    /// The token as it appears in invite URLs.
    let value: String

    /// A fresh random token.
    static func generate() -> InviteToken {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return InviteToken(value: Base64URL.encode(bytes))
    }

    /// The stored form: SHA-256 of the token's text.
    var hash: [UInt8] { Self.hash(self.value) }

    /// SHA-256 of any presented token text, valid or not, so that a lookup never reveals anything by timing.
    static func hash(_ presented: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(presented.utf8)))
    }
}

/// base64url without padding (RFC 4648 §5).
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.allSatisfy({ $0.isBase64URL }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        return Data(base64Encoded: base64).map(Array.init)
    }
}

extension UInt8 {
    fileprivate var isBase64URL: Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || self == UInt8(ascii: "-") || self == UInt8(ascii: "_")
    }
}
