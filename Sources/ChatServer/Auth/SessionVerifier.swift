import Foundation

/// Checks a session token completely: its signature and expiry (``TokenService``), then that the account still
/// exists and has not ended the token's version since (``SessionVersions``, cached).
public struct SessionVerifier: Sendable {
    public let tokens: TokenService
    public let versions: SessionVersions
    let repository: any ChatRepository

    public init(tokens: TokenService, versions: SessionVersions, repository: any ChatRepository) {
        self.tokens = tokens
        self.versions = versions
        self.repository = repository
    }

    /// The token's claims when it holds; ``ChatError/invalidToken`` otherwise.
    public func verify(_ token: String) async throws -> VerifiedToken {
        let verified = try await self.tokens.verify(token)
        guard try await self.verifyVersion(of: verified) else { throw ChatError.invalidToken }
        return verified
    }

    /// Whether the account still exists and has not ended the token's version.
    public func verifyVersion(of token: VerifiedToken) async throws -> Bool {
        try await self.versions.accepts(userID: token.userID, version: token.version) {
            try await self.repository.sessionState(of: token.userID)
        }
    }
}
