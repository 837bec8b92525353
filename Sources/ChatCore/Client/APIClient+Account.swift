import NIOHTTP1

/// Password changes, signing out everywhere and account deletion.
extension APIClient {
    /// Changes the password; every other token of the account stops working, and the answer carries a new one.
    public func changePassword(current: String, new: String) async throws(APIError) -> AuthResponse {
        try await self.call(.POST, "/me/password", body: ChangePasswordRequest(currentPassword: current, newPassword: new))
    }

    /// Ends every token of the account, this client's included.
    public func logoutAll() async throws(APIError) {
        let _: Empty = try await self.call(.POST, "/auth/logout-all")
    }

    /// Deletes the account for good; an email account confirms with its password.
    public func deleteAccount(password: String? = nil) async throws(APIError) {
        let _: Empty = try await self.call(.DELETE, "/me", body: DeleteAccountRequest(password: password))
    }
}
