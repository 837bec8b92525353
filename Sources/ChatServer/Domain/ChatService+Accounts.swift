import ChatCore
import Foundation

/// Password changes, signing out everywhere, and account deletion. Each raises the account's token version,
/// which ends its tokens here at once (the cache is told before the answer), and on the other instances as soon
/// as the change's notification reaches them.
extension ChatService {
    /// Password checks on a signed-in account count against the sign-in limits, so that a stolen token cannot
    /// be used to guess the password.
    func checkPasswordRate(address: String, userID: String) throws {
        try RateLimits.enforce(self.rateLimits.authPerAddress, address, what: "sign-in attempts from this address")
        try RateLimits.enforce(self.rateLimits.authPerAccount, "id:" + userID, what: "password attempts for this account")
    }

    /// Changes the password of an email account and ends every token of it; the caller gets a new one.
    func changePassword(_ request: ChangePasswordRequest, userID: String) async throws -> AuthResponse {
        let user = try await self.me(userID)
        guard user.email != nil else { throw ChatError.guestAccount }
        try Validation.newPassword(request.newPassword)
        try await self.confirmPassword(request.currentPassword, of: user)
        let hash = try await self.passwords.hash(request.newPassword)
        let version = try await self.repository.endSessions(of: userID, passwordHash: hash)
        self.hub.sessions.ended(userID: userID, version: version, deleted: false)
        return AuthResponse(token: try await self.tokens.issue(for: userID, version: version), user: user)
    }

    /// Ends every token of the account, the caller's included.
    func logoutAll(userID: String) async throws {
        let version = try await self.repository.endSessions(of: userID, passwordHash: nil)
        self.hub.sessions.ended(userID: userID, version: version, deleted: false)
    }

    /// Deletes the account: its tokens end at once, then it leaves every group and its messages become
    /// tombstones. An email account confirms with its password. Returns the error that stopped the erasing, if
    /// one did: the account is deleted all the same, and ``RetentionService`` finishes the rest.
    func deleteAccount(_ request: DeleteAccountRequest, userID: String) async throws -> (any Error)? {
        let user = try await self.me(userID)
        if user.email != nil {
            guard let password = request.password, !password.isEmpty else { throw ChatError.passwordRequired }
            try await self.confirmPassword(password, of: user)
        }
        try await self.repository.closeAccount(userID, at: self.clock.now())
        self.hub.sessions.ended(userID: userID, version: 0, deleted: true)
        do {
            try await AccountEraser(repository: self.repository, clock: self.clock).erase(userID)
            return nil
        } catch {
            return error
        }
    }

    /// Checks the account's password; `wrong_password` (403) when it does not match.
    private func confirmPassword(_ password: String, of user: User) async throws {
        guard let email = user.email, let credentials = try await self.repository.credentials(email: email) else { throw ChatError.invalidToken }
        guard password.utf8.count <= Validation.passwordMaxBytes else {
            try await self.passwords.verifyDecoy(password)
            throw ChatError.wrongPassword
        }
        guard try await self.passwords.verify(password, against: credentials.passwordHash) else { throw ChatError.wrongPassword }
    }
}
