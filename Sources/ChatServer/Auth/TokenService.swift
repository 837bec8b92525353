import ChatCore
import Foundation
import JWTKit

/// The claims of a session token: the user id, when it was issued and when it expires, and the account's token
/// version when it was issued (absent in tokens from before versions, which count as version 0).
struct SessionClaims: JWTPayload {
    var sub: SubjectClaim
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var ver: Int64?

    /// Time checks happen in ``TokenService`` against its injectable clock.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// What a valid token says.
public struct VerifiedToken: Sendable, Hashable {
    public var userID: String
    public var expiresAt: Date
    /// The account's token version when the token was issued; raising it ends the token.
    public var version: Int64
}

/// Issues and checks the HS256 session tokens. The algorithm is pinned: any other `alg` is refused.
public struct TokenService: Sendable {
    /// The shortest accepted secret: HS256 wants a key at least as long as its output.
    public static let minimumSecretBytes = 32

    private let keys: JWTKeyCollection
    /// How long a token stays valid.
    public let lifetime: Duration
    private let clock: WallClock

    public init(secret: [UInt8], lifetime: Duration = .seconds(30 * 24 * 3600), clock: WallClock = .system) async {
        precondition(secret.count >= Self.minimumSecretBytes, "the JWT secret must have at least 32 bytes")
        self.keys = JWTKeyCollection()
        await self.keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.lifetime = lifetime
        self.clock = clock
    }

    /// A new token for `userID`, valid while the account's token version stays `version`.
    public func issue(for userID: String, version: Int64 = 0) async throws -> String {
        // NumericDate in whole seconds, which every JWT library reads.
        let now = Date(timeIntervalSince1970: self.clock.now().timeIntervalSince1970.rounded(.down))
        let expiry = now.addingTimeInterval(TimeInterval(self.lifetime.components.seconds))
        let claims = SessionClaims(sub: .init(value: userID), iat: .init(value: now), exp: .init(value: expiry), nbf: nil, ver: version)
        return try await self.keys.sign(claims)
    }

    /// The user id, expiry and version of a validly signed, unexpired token; anything else throws
    /// ``ChatError/invalidToken``. Whether the version is still current is ``SessionVerifier``'s question.
    public func verify(_ token: String) async throws -> VerifiedToken {
        guard Self.headerAlgorithm(of: token) == "HS256" else { throw ChatError.invalidToken }
        let claims: SessionClaims
        do {
            claims = try await self.keys.verify(token, as: SessionClaims.self)
        } catch {
            throw ChatError.invalidToken
        }
        let now = self.clock.now()
        guard claims.exp.value > now, (claims.nbf?.value ?? .distantPast) <= now, !claims.sub.value.isEmpty else {
            throw ChatError.invalidToken
        }
        return VerifiedToken(userID: claims.sub.value, expiresAt: claims.exp.value, version: claims.ver ?? 0)
    }

    /// The `alg` of a compact JWS header, or `nil` when the token is not one.
    static func headerAlgorithm(of token: String) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Base64URL.decode(String(parts[0])),
            let object = try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any]
        else { return nil }
        return object["alg"] as? String
    }
}
