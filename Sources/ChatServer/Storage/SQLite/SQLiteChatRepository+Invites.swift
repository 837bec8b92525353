import ChatCore
import ChatSQLite
import Foundation
import SQLiteNIO

extension SQLiteChatRepository {
    func insertInvite(_ invite: NewInvite) async throws {
        try await self.store.write { transaction in
            let connection = transaction.connection
            guard
                let row = try await connection.rows(
                    "SELECT m.role, g.invite_policy FROM memberships m JOIN groups g ON g.id = m.group_id WHERE m.group_id = ? AND m.user_id = ?",
                    [.text(invite.groupID), .text(invite.createdBy)]
                ).first
            else { throw ChatError.groupNotFound }
            try ModerationRules.createInvite(role: try row.role("role"), policy: InvitePolicy(rawValue: try row.text("invite_policy")) ?? .members)
            try await connection.execute(
                """
                INSERT INTO invites (id, group_id, token_hash, created_by, created_at, expires_at, max_uses, uses, require_approval)
                VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)
                """,
                [
                    .text(invite.id), .text(invite.groupID), .bytes(invite.tokenHash), .text(invite.createdBy),
                    .date(invite.createdAt), .date(invite.expiresAt), .integer(invite.maxUses), .integer(invite.requireApproval ? 1 : 0),
                ]
            )
        }
    }

    func ownedGroupCount(of userID: String) async throws -> Int {
        try await self.store.read { connection in
            try await connection.rows("SELECT count(*) AS n FROM memberships WHERE user_id = ? AND role = 'owner'", [.text(userID)]).first?.int("n")
                ?? 0
        }
    }

    func liveInviteCount(by userID: String, at date: Date) async throws -> Int {
        try await self.store.read { connection in
            try await connection.rows(
                "SELECT count(*) AS n FROM invites WHERE created_by = ? AND revoked_at IS NULL AND expires_at > ? AND uses < max_uses",
                [.text(userID), .date(date)]
            ).first?.int("n") ?? 0
        }
    }

    func liveInvites(of groupID: String, at date: Date) async throws -> [InviteSummary] {
        try await self.store.read { connection in
            try await connection.rows(
                """
                SELECT i.id, i.created_by, u.display_name, i.created_at, i.expires_at, i.max_uses, i.uses, i.require_approval,
                    (SELECT count(*) FROM memberships j WHERE j.invite_id = i.id) AS joined_count
                FROM invites i JOIN users u ON u.id = i.created_by
                WHERE i.group_id = ? AND i.revoked_at IS NULL AND i.expires_at > ? AND i.uses < i.max_uses
                ORDER BY i.created_at DESC, i.id DESC
                """,
                [.text(groupID), .date(date)]
            ).map { row in
                InviteSummary(
                    id: try row.text("id"),
                    groupId: groupID,
                    createdBy: UserSummary(id: try row.text("created_by"), displayName: try row.text("display_name")),
                    expiresAt: try row.date("expires_at"),
                    maxUses: try row.int("max_uses"),
                    uses: try row.int("uses"),
                    createdAt: try row.date("created_at"),
                    requireApproval: try row.int("require_approval") != 0,
                    joinedCount: try row.int("joined_count")
                )
            }
        }
    }

    func revokeInvite(id: String, of groupID: String, at date: Date) async throws -> Bool {
        try await self.store.write { transaction in
            let rows = try await transaction.connection.rows(
                "UPDATE invites SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND group_id = ? RETURNING id",
                [.date(date), .text(id), .text(groupID)]
            )
            return !rows.isEmpty
        }
    }

    func invitePreview(tokenHash: [UInt8]) async throws -> InvitePreview? {
        try await self.store.read { connection in
            try await connection.rows(
                """
                SELECT g.name, i.expires_at, i.max_uses, i.uses, i.revoked_at,
                    (SELECT count(*) FROM memberships m WHERE m.group_id = g.id) AS member_count
                FROM invites i JOIN groups g ON g.id = i.group_id WHERE i.token_hash = ?
                """,
                [.bytes(tokenHash)]
            ).first.map { row in
                InvitePreview(
                    groupName: try row.text("name"),
                    memberCount: try row.int("member_count"),
                    expiresAt: try row.date("expires_at"),
                    maxUses: try row.int("max_uses"),
                    uses: try row.int("uses"),
                    revoked: row.column("revoked_at")?.isNull == false
                )
            }
        }
    }

    /// A member consumes nothing; then a ban refuses; a pending request is returned as it is; otherwise the
    /// invite must be live, and one use is taken for a membership or for a new request.
    func acceptInvite(tokenHash: [UInt8], userID: String, at date: Date) async throws -> InviteAcceptance {
        try await self.store.write { transaction in
            let connection = transaction.connection
            guard
                let invite = try await connection.rows(
                    """
                    SELECT i.id, i.group_id, i.expires_at, i.require_approval, i.created_by, u.display_name
                    FROM invites i JOIN users u ON u.id = i.created_by WHERE i.token_hash = ? AND i.revoked_at IS NULL
                    """,
                    [.bytes(tokenHash)]
                ).first
            else { throw ChatError.inviteNotFound }
            let inviteRef = InviteRef(
                id: try invite.text("id"),
                createdBy: UserSummary(id: try invite.text("created_by"), displayName: try invite.text("display_name"))
            )
            let groupID = try invite.text("group_id")
            if let group = try await SQLiteSQL.group(id: groupID, as: userID, on: connection) { return .alreadyMember(group) }
            guard try await connection.rows("SELECT 1 FROM bans WHERE group_id = ? AND user_id = ?", [.text(groupID), .text(userID)]).isEmpty
            else { throw ChatError.banned }
            let approval = try invite.int("require_approval") != 0
            if approval, let pending = try await SQLiteSQL.pendingRequest(of: userID, in: groupID, at: date, on: connection) {
                return .requested(pending)
            }
            guard try invite.date("expires_at") > date else { throw ChatError.inviteExpired }
            let consumed = try await connection.rows(
                "UPDATE invites SET uses = uses + 1 WHERE id = ? AND uses < max_uses RETURNING uses",
                [.text(inviteRef.id)]
            )
            guard !consumed.isEmpty else { throw ChatError.inviteUsedUp }
            guard let user = try await SQLiteSQL.user(id: userID, on: connection) else { throw ChatError.invalidToken }
            if approval {
                let request = JoinRequest(
                    id: UUIDv7.make(at: date),
                    groupId: groupID,
                    status: .pending,
                    user: user.summary,
                    createdAt: date,
                    invite: inviteRef
                )
                // A request left pending by an invite that has since expired gives way to the new one.
                try await connection.execute(
                    "DELETE FROM join_requests WHERE group_id = ? AND user_id = ? AND status = 'pending'",
                    [.text(groupID), .text(userID)]
                )
                try await connection.execute(
                    "INSERT INTO join_requests (id, group_id, user_id, invite_id, status, created_at) VALUES (?, ?, ?, ?, 'pending', ?)",
                    [.text(request.id), .text(groupID), .text(userID), .text(inviteRef.id), .date(date)]
                )
                transaction.emit(.joinRequested(request, managers: try await SQLiteSQL.managers(of: groupID, on: connection)))
                return .requested(request)
            }
            try await SQLiteSQL.addMember(user.summary, to: groupID, through: inviteRef, at: date, in: transaction)
            guard let group = try await SQLiteSQL.group(id: groupID, as: userID, on: connection) else { throw ChatError.internal() }
            return .joined(group)
        }
    }
}

extension SQLiteSQL {
    /// Makes the user a member, taking the group's next rev, and announces it; a tombstone of an earlier
    /// membership gives way.
    static func addMember(
        _ user: UserSummary,
        to groupID: String,
        through invite: InviteRef,
        at date: Date,
        in transaction: SQLiteTransaction
    )
        async throws
    {
        let connection = transaction.connection
        let rev = try await self.takeRev(groupID, on: connection)
        try await connection.execute("DELETE FROM member_removals WHERE group_id = ? AND user_id = ?", [.text(groupID), .text(user.id)])
        try await connection.execute(
            "INSERT INTO memberships (group_id, user_id, role, joined_at, rev, invite_id, invited_by) VALUES (?, ?, 'member', ?, ?, ?, ?)",
            [.text(groupID), .text(user.id), .date(date), .integer(Int(rev)), .text(invite.id), .text(invite.createdBy.id)]
        )
        transaction.emit(.memberJoined(groupID: groupID, user: user, role: .member, rev: rev))
    }

    /// The ids of the group's owner and admins.
    static func managers(of groupID: String, on connection: any SQLiteQuerying) async throws -> [String] {
        try await connection.rows("SELECT user_id FROM memberships WHERE group_id = ? AND role IN ('owner', 'admin')", [.text(groupID)])
            .map { try $0.text("user_id") }
    }

    static let joinRequestSelect = """
        SELECT r.id, r.group_id, r.status, r.created_at, r.user_id, u.display_name, r.invite_id, i.created_by, c.display_name AS inviter_name
        FROM join_requests r JOIN users u ON u.id = r.user_id JOIN invites i ON i.id = r.invite_id JOIN users c ON c.id = i.created_by
        """

    static func joinRequest(_ row: SQLiteRecord) throws -> JoinRequest {
        JoinRequest(
            id: try row.text("id"),
            groupId: try row.text("group_id"),
            status: JoinRequest.Status(rawValue: try row.text("status")) ?? .pending,
            user: UserSummary(id: try row.text("user_id"), displayName: try row.text("display_name")),
            createdAt: try row.date("created_at"),
            invite: InviteRef(
                id: try row.text("invite_id"),
                createdBy: UserSummary(id: try row.text("created_by"), displayName: try row.text("inviter_name"))
            )
        )
    }

    /// The user's pending request to join, while its invite is still usable.
    static func pendingRequest(of userID: String, in groupID: String, at date: Date, on connection: any SQLiteQuerying) async throws -> JoinRequest? {
        try await connection.rows(
            "\(joinRequestSelect) WHERE r.group_id = ? AND r.user_id = ? AND r.status = 'pending' AND i.revoked_at IS NULL AND i.expires_at > ?",
            [.text(groupID), .text(userID), .date(date)]
        ).first.map(joinRequest)
    }
}
