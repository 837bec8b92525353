import ChatCore

/// Who may change whose membership, shared by both backends: each rule takes the roles as they are inside the
/// change's transaction, and throws the refusal the caller gets.
enum ModerationRules {
    /// Settings, join requests, bans: the owner and admins.
    static func requireManager(_ role: GroupRole) throws {
        guard role.canManageInvites else { throw ChatError.notGroupAdmin }
    }

    /// The group with the settings given applied, or `nil` when none of them changes it.
    static func settings(of group: Group, name: String?, invitePolicy: InvitePolicy?, retentionDays: Int??) -> Group? {
        var changed = group
        changed.name = name ?? group.name
        changed.invitePolicy = invitePolicy ?? group.invitePolicy
        if let retentionDays { changed.retentionDays = retentionDays }
        return changed == group ? nil : changed
    }

    /// Roles, transfers, retention and deleting the group: the owner only.
    static func requireOwner(_ role: GroupRole) throws {
        guard role == .owner else { throw ChatError.notOwner }
    }

    /// Removing someone else: the owner removes anyone, an admin plain members only. `target` is `nil` for a
    /// user who is not a member (which only a ban may name).
    static func remove(by actor: GroupRole, target: GroupRole?, targetIsActor: Bool) throws {
        guard !targetIsActor else { throw ChatError.cannotTargetSelf }
        try self.requireManager(actor)
        if actor == .admin, let target, target != .member { throw ChatError.insufficientRole }
    }

    /// A new role for a member: `admin` or `member`, from the owner (ownership moves by transfer only).
    static func setRole(_ role: GroupRole, by actor: GroupRole, targetIsActor: Bool) throws {
        try self.requireOwner(actor)
        guard !targetIsActor else { throw ChatError.cannotTargetSelf }
        guard role != .owner else { throw ChatError.invalidRole }
    }

    /// The owner hands the group over to another member.
    static func transfer(by actor: GroupRole, targetIsActor: Bool) throws {
        try self.requireOwner(actor)
        guard !targetIsActor else { throw ChatError.cannotTargetSelf }
    }

    /// A member leaves; an owner who is not the last member must hand over first. Returns whether the group
    /// goes with them (they were its last member).
    static func leave(role: GroupRole, memberCount: Int) throws -> Bool {
        if memberCount <= 1 { return true }
        guard role != .owner else { throw ChatError.ownerMustTransfer }
        return false
    }

    /// Who takes over a group whose owner's account is deleted (binds the group, after the owner's removal): the
    /// longest-standing admin, else the longest-standing member.
    static let successorQuery = """
        SELECT user_id FROM memberships WHERE group_id = ?
        ORDER BY CASE role WHEN 'admin' THEN 0 ELSE 1 END, joined_at, user_id LIMIT 1
        """

    /// Who may create invites under the group's policy.
    static func createInvite(role: GroupRole, policy: InvitePolicy) throws {
        if policy == .admins, !role.canManageInvites { throw ChatError.invitesAdminsOnly }
    }
}
