import ChatCore
import Foundation

/// Leaving, removing, banning, roles, settings and join requests. The rules (``ModerationRules``) are checked by
/// storage inside each change's transaction; what only reads checks the caller's role here.
extension ChatService {
    /// Applies one membership change by `userID`.
    func moderate(_ change: ModerationChange, in groupID: String, by userID: String) async throws -> ModerationOutcome {
        try await self.repository.moderate(change, in: groupID, by: userID, at: self.clock.now())
    }

    /// Bans a user: a reason, if any, is trimmed, 1–500 characters, with no control characters.
    func ban(_ request: BanRequest, in groupID: String, by userID: String) async throws {
        let reason = try request.reason.flatMap(Validation.banReason)
        _ = try await self.moderate(.ban(userID: request.userId, reason: reason), in: groupID, by: userID)
    }

    /// Renames the group, changes its invite policy, or (its owner) its retention, which may only shorten the server's.
    func updateGroup(_ request: UpdateGroupRequest, in groupID: String, by userID: String) async throws -> Group {
        let name = try request.name.map(Validation.groupName)
        let retention = try request.retentionDays.map { try $0.map { try Validation.retentionDays($0, serverLimit: self.retentionDays) } }
        let change = ModerationChange.update(name: name, invitePolicy: request.invitePolicy, retentionDays: retention)
        guard case .updated(let group) = try await self.moderate(change, in: groupID, by: userID) else { throw ChatError.internal() }
        return group
    }

    /// Approves or denies a request to join.
    func decide(_ requestID: String, approve: Bool, in groupID: String, by userID: String) async throws -> JoinRequest {
        let change: ModerationChange = approve ? .approve(requestID: requestID) : .deny(requestID: requestID)
        guard case .decided(let request) = try await self.moderate(change, in: groupID, by: userID) else { throw ChatError.internal() }
        return request
    }

    /// The group's bans, for its owner and admins.
    func bans(of groupID: String, as userID: String) async throws -> [Ban] {
        try await self.requireManager(of: groupID, userID: userID)
        return try await self.repository.bans(of: groupID)
    }

    /// The group's pending join requests, for its owner and admins.
    func joinRequests(of groupID: String, as userID: String) async throws -> [JoinRequest] {
        try await self.requireManager(of: groupID, userID: userID)
        return try await self.repository.joinRequests(of: groupID, at: self.clock.now())
    }

    private func requireManager(of groupID: String, userID: String) async throws {
        guard let role = try await self.repository.role(of: userID, in: groupID) else { throw ChatError.groupNotFound }
        try ModerationRules.requireManager(role)
    }
}
