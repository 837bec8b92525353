import ChatCore
import Crypto
import Foundation
import HummingbirdTesting
import JWTKit
import Testing

@testable import ChatServer

@Suite("Session tokens: HS256, pinned, with sub, iat and exp")
struct TokenTests {
    /// Decodes the JSON of one part of a compact JWT.
    static func part(_ token: String, _ index: Int) throws -> [String: Any] {
        let segment = String(token.split(separator: ".")[index])
        let bytes = try #require(Base64URL.decode(segment))
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    /// A compact JWT with the given header and claims, signed with HMAC-SHA256 under `secret`.
    static func forge(header: [String: Any], claims: [String: Any], secret: String, signature: String? = nil) throws -> String {
        let head = Base64URL.encode(Array(try JSONSerialization.data(withJSONObject: header)))
        let body = Base64URL.encode(Array(try JSONSerialization.data(withJSONObject: claims)))
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(head).\(body)".utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return "\(head).\(body).\(signature ?? Base64URL.encode(Array(mac)))"
    }

    @Test("the token is HS256 with sub, iat and an exp 30 days later")
    func claims() async throws {
        try await TestApp.run { api in
            let session = try await api.guest("Ann")
            #expect(try Self.part(session.token, 0)["alg"] as? String == "HS256")
            let claims = try Self.part(session.token, 1)
            #expect(claims["sub"] as? String == session.user.id)
            let iat = try #require(claims["iat"] as? Double)
            let exp = try #require(claims["exp"] as? Double)
            #expect(exp - iat == 30 * 24 * 3600)
            #expect(abs(iat - api.clock.now.timeIntervalSince1970) < 1)
        }
    }

    @Test("forged, foreign, algorithm-swapped, expired and not-yet-valid tokens get 401")
    func rejected() async throws {
        try await TestApp.run { api in
            let session = try await api.guest("Ann")
            let now = api.clock.now.timeIntervalSince1970
            let good: [String: Any] = ["sub": session.user.id, "iat": now, "exp": now + 3600]
            // Control: a token forged here with the right secret is accepted, so the rejections below are meaningful.
            let control = try Self.forge(header: ["alg": "HS256", "typ": "JWT"], claims: good, secret: TestApp.secret)
            #expect(try await api.call(.get, "/me", token: control).status == .ok)

            let cases: [(String, String)] = [
                ("alg none", try Self.forge(header: ["alg": "none"], claims: good, secret: TestApp.secret, signature: "")),
                ("alg HS512", try Self.forge(header: ["alg": "HS512"], claims: good, secret: TestApp.secret)),
                ("other key", try Self.forge(header: ["alg": "HS256"], claims: good, secret: "another-secret-that-is-32-bytes-long!!")),
                (
                    "expired",
                    try Self.forge(
                        header: ["alg": "HS256"],
                        claims: ["sub": session.user.id, "iat": now - 7200, "exp": now - 1],
                        secret: TestApp.secret
                    )
                ),
                ("not yet valid", try Self.forge(header: ["alg": "HS256"], claims: good.merging(["nbf": now + 600]) { $1 }, secret: TestApp.secret)),
                ("tampered", session.token.replacingOccurrences(of: ".", with: ".x", options: [], range: session.token.range(of: "."))),
            ]
            for (name, token) in cases {
                let response = try await api.call(.get, "/me", token: token)
                #expect(response.status == .unauthorized, "\(name)")
            }
        }
    }

    @Test("a token expires after its lifetime")
    func expiry() async throws {
        try await TestApp.run { api in
            let session = try await api.guest("Ann")
            api.clock.advance(by: 30 * 24 * 3600 - 60)
            #expect(try await api.call(.get, "/me", token: session.token).status == .ok)
            api.clock.advance(by: 120)
            try expectError(await api.call(.get, "/me", token: session.token), .unauthorized, "invalid_token")
        }
    }
}
