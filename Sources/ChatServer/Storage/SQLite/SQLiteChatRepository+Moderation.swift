import ChatCore
import ChatSQLite
import Foundation
import SQLiteNIO

extension SQLiteChatRepository {
    func moderate(_ change: ModerationChange, in groupID: String, by actorID: String, at date: Date) async throws -> ModerationOutcome {
        try await self.store.write { transaction in
            let connection = transaction.connection
            guard let actor = try await SQLiteSQL.role(of: actorID, in: groupID, on: connection) else { throw ChatError.groupNotFound }
            let step = SQLiteModeration(groupID: groupID, actorID: actorID, actor: actor, date: date, transaction: transaction)
            switch change {
            case .leave: return try await step.leave()
            case .resign: return try await step.resign()
            case .kick(let userID): return try await step.kick(userID)
            case .ban(let userID, let reason): return try await step.ban(userID, reason: reason)
            case .unban(let userID): return try await step.unban(userID)
            case .setRole(let userID, let role): return try await step.setRole(userID, role)
            case .transfer(let userID): return try await step.transfer(to: userID)
            case .update(let name, let invitePolicy, let retentionDays):
                return try await step.update(name: name, invitePolicy: invitePolicy, retentionDays: retentionDays)
            case .delete: return try await step.delete()
            case .approve(let requestID): return try await step.decide(requestID, approve: true)
            case .deny(let requestID): return try await step.decide(requestID, approve: false)
            }
        }
    }

    func bans(of groupID: String) async throws -> [Ban] {
        try await self.store.read { connection in
            try await connection.rows(
                """
                SELECT b.user_id, u.display_name, b.reason, b.banned_by, x.display_name AS banner_name, b.created_at
                FROM bans b JOIN users u ON u.id = b.user_id LEFT JOIN users x ON x.id = b.banned_by
                WHERE b.group_id = ? ORDER BY b.created_at DESC, b.user_id
                """,
                [.text(groupID)]
            ).map { row in
                Ban(
                    user: UserSummary(id: try row.text("user_id"), displayName: try row.text("display_name")),
                    reason: row.optionalText("reason"),
                    bannedBy: try row.optionalText("banned_by").map { UserSummary(id: $0, displayName: try row.text("banner_name")) },
                    createdAt: try row.date("created_at")
                )
            }
        }
    }

    func joinRequests(of groupID: String, at date: Date) async throws -> [JoinRequest] {
        try await self.store.read { connection in
            try await connection.rows(
                """
                \(SQLiteSQL.joinRequestSelect)
                WHERE r.group_id = ? AND r.status = 'pending' AND i.revoked_at IS NULL AND i.expires_at > ? ORDER BY r.created_at, r.id
                """,
                [.text(groupID), .date(date)]
            ).map(SQLiteSQL.joinRequest)
        }
    }
}

/// One membership change inside its write transaction, by an actor whose role was just read.
private struct SQLiteModeration {
    let groupID: String
    let actorID: String
    let actor: GroupRole
    let date: Date
    let transaction: SQLiteTransaction

    var connection: NativeSQLiteConnection { self.transaction.connection }

    func leave() async throws -> ModerationOutcome {
        if try ModerationRules.leave(role: self.actor, memberCount: try await self.memberCount()) { return try await self.deleteGroup() }
        try await self.remove(self.actorID, reason: .left)
        return .done
    }

    func resign() async throws -> ModerationOutcome {
        if try await self.memberCount() <= 1 { return try await self.deleteGroup() }
        try await self.remove(self.actorID, reason: .left)
        if self.actor == .owner {
            guard let successor = try await self.connection.rows(ModerationRules.successorQuery, [.text(self.groupID)]).first else {
                throw ChatError.internal("A group with members has no successor.")
            }
            try await self.changeRole(of: try successor.text("user_id"), to: .owner)
        }
        return .done
    }

    private func memberCount() async throws -> Int {
        try await self.connection.rows("SELECT count(*) AS n FROM memberships WHERE group_id = ?", [.text(self.groupID)]).first?.int("n") ?? 0
    }

    func kick(_ userID: String) async throws -> ModerationOutcome {
        guard userID != self.actorID else { throw ChatError.cannotTargetSelf }
        try ModerationRules.requireManager(self.actor)
        guard let target = try await SQLiteSQL.role(of: userID, in: self.groupID, on: self.connection) else { throw ChatError.memberNotFound }
        try ModerationRules.remove(by: self.actor, target: target, targetIsActor: false)
        try await self.remove(userID, reason: .kicked)
        return .done
    }

    func ban(_ userID: String, reason: String?) async throws -> ModerationOutcome {
        guard userID != self.actorID else { throw ChatError.cannotTargetSelf }
        try ModerationRules.requireManager(self.actor)
        guard try await SQLiteSQL.user(id: userID, on: self.connection) != nil else { throw ChatError.userNotFound }
        let target = try await SQLiteSQL.role(of: userID, in: self.groupID, on: self.connection)
        try ModerationRules.remove(by: self.actor, target: target, targetIsActor: false)
        try await self.connection.execute(
            """
            INSERT INTO bans (group_id, user_id, reason, banned_by, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (group_id, user_id) DO UPDATE SET reason = excluded.reason, banned_by = excluded.banned_by, created_at = excluded.created_at
            """,
            [.text(self.groupID), .text(userID), .optionalText(reason), .text(self.actorID), .date(self.date)]
        )
        if target != nil { try await self.remove(userID, reason: .banned) }
        // A request to join that was waiting is denied with the ban.
        let denied = try await self.connection.rows(
            """
            UPDATE join_requests SET status = 'denied', decided_at = ?, decided_by = ?
            WHERE group_id = ? AND user_id = ? AND status = 'pending' RETURNING id
            """,
            [.date(self.date), .text(self.actorID), .text(self.groupID), .text(userID)]
        )
        for row in denied { self.transaction.emit(.joinDenied(groupID: self.groupID, requestID: try row.text("id"), userID: userID)) }
        return .done
    }

    func unban(_ userID: String) async throws -> ModerationOutcome {
        try ModerationRules.requireManager(self.actor)
        let lifted = try await self.connection.rows(
            "DELETE FROM bans WHERE group_id = ? AND user_id = ? RETURNING user_id",
            [.text(self.groupID), .text(userID)]
        )
        guard !lifted.isEmpty else { throw ChatError.banNotFound }
        return .done
    }

    func setRole(_ userID: String, _ role: GroupRole) async throws -> ModerationOutcome {
        try ModerationRules.setRole(role, by: self.actor, targetIsActor: userID == self.actorID)
        guard let target = try await SQLiteSQL.role(of: userID, in: self.groupID, on: self.connection) else { throw ChatError.memberNotFound }
        if target != role { try await self.changeRole(of: userID, to: role) }
        return .done
    }

    func transfer(to userID: String) async throws -> ModerationOutcome {
        try ModerationRules.transfer(by: self.actor, targetIsActor: userID == self.actorID)
        guard try await SQLiteSQL.role(of: userID, in: self.groupID, on: self.connection) != nil else { throw ChatError.memberNotFound }
        // The old owner steps down first: a group has one owner at every moment.
        try await self.changeRole(of: self.actorID, to: .admin)
        try await self.changeRole(of: userID, to: .owner)
        return .done
    }

    func update(name: String?, invitePolicy: InvitePolicy?, retentionDays: Int??) async throws -> ModerationOutcome {
        try ModerationRules.requireManager(self.actor)
        if retentionDays != nil { try ModerationRules.requireOwner(self.actor) }
        guard var group = try await SQLiteSQL.group(id: self.groupID, as: self.actorID, on: self.connection) else { throw ChatError.groupNotFound }
        guard let changed = ModerationRules.settings(of: group, name: name, invitePolicy: invitePolicy, retentionDays: retentionDays) else {
            return .updated(group)
        }
        let rev = try await SQLiteSQL.takeRev(self.groupID, on: self.connection)
        group = changed
        group.rev = rev
        try await self.connection.execute(
            "UPDATE groups SET name = ?, invite_policy = ?, retention_days = ?, settings_rev = ? WHERE id = ?",
            [
                .text(group.name), .text(group.invitePolicy.rawValue), group.retentionDays.map(SQLiteData.integer) ?? .null, .integer(Int(rev)),
                .text(self.groupID),
            ]
        )
        self.transaction.emit(.groupUpdated(group.info, rev: rev))
        return .updated(group)
    }

    func delete() async throws -> ModerationOutcome {
        try ModerationRules.requireOwner(self.actor)
        return try await self.deleteGroup()
    }

    func decide(_ requestID: String, approve: Bool) async throws -> ModerationOutcome {
        try ModerationRules.requireManager(self.actor)
        guard
            let row = try await self.connection.rows(
                "\(SQLiteSQL.joinRequestSelect) WHERE r.id = ? AND r.group_id = ?",
                [.text(requestID), .text(self.groupID)]
            ).first
        else { throw ChatError.requestNotFound }
        var request = try SQLiteSQL.joinRequest(row)
        guard request.status == .pending else { throw ChatError.requestDecided }
        let usable = try await self.connection.rows(
            "SELECT 1 FROM invites WHERE id = ? AND revoked_at IS NULL AND expires_at > ?",
            [.text(request.invite.id), .date(self.date)]
        )
        guard !usable.isEmpty else { throw ChatError.requestExpired }
        request.status = approve ? .approved : .denied
        try await self.connection.execute(
            "UPDATE join_requests SET status = ?, decided_at = ?, decided_by = ? WHERE id = ?",
            [.text(request.status.rawValue), .date(self.date), .text(self.actorID), .text(requestID)]
        )
        if !approve {
            self.transaction.emit(.joinDenied(groupID: self.groupID, requestID: requestID, userID: request.user.id))
        } else if try await SQLiteSQL.role(of: request.user.id, in: self.groupID, on: self.connection) == nil {
            try await SQLiteSQL.addMember(request.user, to: self.groupID, through: request.invite, at: self.date, in: self.transaction)
        }
        return .decided(request)
    }

    // MARK: Steps

    /// Ends a membership with a tombstone for the change feed, taking the group's next rev.
    private func remove(_ userID: String, reason: RemovalReason) async throws {
        let rev = try await SQLiteSQL.takeRev(self.groupID, on: self.connection)
        try await self.connection.execute("DELETE FROM memberships WHERE group_id = ? AND user_id = ?", [.text(self.groupID), .text(userID)])
        try await self.connection.execute(
            """
            INSERT INTO member_removals (group_id, user_id, rev, reason, removed_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (group_id, user_id) DO UPDATE SET rev = excluded.rev, reason = excluded.reason, removed_at = excluded.removed_at
            """,
            [.text(self.groupID), .text(userID), .integer(Int(rev)), .text(reason.rawValue), .date(self.date)]
        )
        self.transaction.emit(.memberRemoved(groupID: self.groupID, userID: userID, reason: reason, rev: rev))
    }

    private func changeRole(of userID: String, to role: GroupRole) async throws {
        let rev = try await SQLiteSQL.takeRev(self.groupID, on: self.connection)
        try await self.connection.execute(
            "UPDATE memberships SET role = ?, rev = ? WHERE group_id = ? AND user_id = ?",
            [.text(role.rawValue), .integer(Int(rev)), .text(self.groupID), .text(userID)]
        )
        self.transaction.emit(.memberUpdated(groupID: self.groupID, userID: userID, role: role, rev: rev))
    }

    /// Erases the group and everything in it; every member hears of it.
    private func deleteGroup() async throws -> ModerationOutcome {
        try await self.connection.execute("DELETE FROM groups WHERE id = ?", [.text(self.groupID)])
        self.transaction.emit(.groupDeleted(groupID: self.groupID))
        return .groupDeleted
    }
}
