import NIOHTTP1

/// Leaving, removing, bans, roles, settings and join requests.
extension APIClient {
    public func leave(groupID: String) async throws(APIError) {
        let _: Empty = try await self.call(.POST, "/groups/\(Self.escape(groupID))/leave")
    }

    public func kick(groupID: String, userID: String) async throws(APIError) {
        let _: Empty = try await self.call(.DELETE, "/groups/\(Self.escape(groupID))/members/\(Self.escape(userID))")
    }

    public func setRole(groupID: String, userID: String, role: GroupRole) async throws(APIError) {
        let _: Empty = try await self.call(
            .PATCH,
            "/groups/\(Self.escape(groupID))/members/\(Self.escape(userID))",
            body: RoleChangeRequest(role: role)
        )
    }

    public func transfer(groupID: String, to userID: String) async throws(APIError) {
        let _: Empty = try await self.call(.POST, "/groups/\(Self.escape(groupID))/transfer", body: TransferRequest(userId: userID))
    }

    public func updateGroup(groupID: String, name: String? = nil, invitePolicy: InvitePolicy? = nil) async throws(APIError) -> Group {
        try await self.call(.PATCH, "/groups/\(Self.escape(groupID))", body: UpdateGroupRequest(name: name, invitePolicy: invitePolicy))
    }

    public func deleteGroup(groupID: String) async throws(APIError) {
        let _: Empty = try await self.call(.DELETE, "/groups/\(Self.escape(groupID))")
    }

    public func bans(groupID: String) async throws(APIError) -> [Ban] {
        try await self.call(.GET, "/groups/\(Self.escape(groupID))/bans")
    }

    public func ban(groupID: String, userID: String, reason: String? = nil) async throws(APIError) {
        let _: Empty = try await self.call(.POST, "/groups/\(Self.escape(groupID))/bans", body: BanRequest(userId: userID, reason: reason))
    }

    public func unban(groupID: String, userID: String) async throws(APIError) {
        let _: Empty = try await self.call(.DELETE, "/groups/\(Self.escape(groupID))/bans/\(Self.escape(userID))")
    }

    /// The pending requests to join (owner and admins).
    public func joinRequests(groupID: String) async throws(APIError) -> [JoinRequest] {
        try await self.call(.GET, "/groups/\(Self.escape(groupID))/requests")
    }

    public func approve(groupID: String, requestID: String) async throws(APIError) -> JoinRequest {
        let answer: JoinRequestResponse = try await self.call(.POST, "/groups/\(Self.escape(groupID))/requests/\(Self.escape(requestID))/approve")
        return answer.request
    }

    public func deny(groupID: String, requestID: String) async throws(APIError) -> JoinRequest {
        let answer: JoinRequestResponse = try await self.call(.POST, "/groups/\(Self.escape(groupID))/requests/\(Self.escape(requestID))/deny")
        return answer.request
    }
}
