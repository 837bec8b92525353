import ChatCore
import Foundation
import Logging
import PostgresNIO

/// Each change first locks the group's row, as every membership change and every write that takes a rev does:
/// the group's writers on every instance take turns, always in the same lock order (the group, then its rows),
/// and the actor's role read next cannot change under the change.
extension PostgresChatRepository {
    func moderate(_ change: ModerationChange, in groupID: String, by actorID: String, at date: Date) async throws -> ModerationOutcome {
        let (outcome, events) = try await self.store.transaction { connection -> (ModerationOutcome, [ChatEvent]) in
            var role: String?
            for try await value in try await connection.query(
                """
                SELECT m.role FROM groups g JOIN memberships m ON m.group_id = g.id
                WHERE g.id = \(groupID) AND m.user_id = \(actorID) FOR UPDATE OF g
                """,
                logger: self.logger
            ).decode(String.self) {
                role = value
            }
            guard let actor = role.flatMap(GroupRole.init(rawValue:)) else { throw ChatError.groupNotFound }
            var step = PostgresModeration(repository: self, connection: connection, groupID: groupID, actorID: actorID, actor: actor, date: date)
            let outcome: ModerationOutcome =
                switch change {
                case .leave: try await step.leave()
                case .resign: try await step.resign()
                case .kick(let userID): try await step.kick(userID)
                case .ban(let userID, let reason): try await step.ban(userID, reason: reason)
                case .unban(let userID): try await step.unban(userID)
                case .setRole(let userID, let role): try await step.setRole(userID, role)
                case .transfer(let userID): try await step.transfer(to: userID)
                case .update(let name, let invitePolicy, let retentionDays):
                    try await step.update(name: name, invitePolicy: invitePolicy, retentionDays: retentionDays)
                case .delete: try await step.delete()
                case .approve(let requestID): try await step.decide(requestID, approve: true)
                case .deny(let requestID): try await step.decide(requestID, approve: false)
                }
            return (outcome, step.events)
        }
        self.committed(events)
        return outcome
    }

    func bans(of groupID: String) async throws -> [Ban] {
        let rows = try await self.store.client.query(
            """
            SELECT b.user_id, u.display_name, b.reason, b.banned_by, x.display_name, b.created_at
            FROM bans b JOIN users u ON u.id = b.user_id LEFT JOIN users x ON x.id = b.banned_by
            WHERE b.group_id = \(groupID) ORDER BY b.created_at DESC, b.user_id COLLATE "C"
            """,
            logger: self.logger
        )
        var bans: [Ban] = []
        for try await (user, name, reason, banner, bannerName, created) in rows.decode((String, String, String?, String?, String?, Int64).self) {
            bans.append(
                Ban(
                    user: UserSummary(id: user, displayName: name),
                    reason: reason,
                    bannedBy: banner.map { UserSummary(id: $0, displayName: bannerName ?? "") },
                    createdAt: Date(milliseconds: created)
                )
            )
        }
        return bans
    }

    func joinRequests(of groupID: String, at date: Date) async throws -> [JoinRequest] {
        try await self.store.read { connection in
            try await PostgresSQL.joinRequests(
                """
                \(unescaped: PostgresSQL.joinRequestSelect)
                WHERE r.group_id = \(groupID) AND r.status = 'pending' AND i.revoked_at IS NULL AND i.expires_at > \(date.milliseconds)
                ORDER BY r.created_at, r.id COLLATE "C"
                """,
                on: connection,
                logger: self.logger
            )
        }
    }
}

/// What the LISTEN connection reads for another instance's notifications.
extension PostgresChatRepository {
    /// The group's own fields.
    func groupInfo(id: String) async throws -> GroupInfo? {
        for try await (name, created, policy, count, retention) in try await self.store.client.query(
            """
            SELECT g.name, g.created_at, g.invite_policy, (SELECT count(*) FROM memberships c WHERE c.group_id = g.id), g.retention_days
            FROM groups g WHERE g.id = \(id)
            """,
            logger: self.logger
        ).decode((String, Int64, String, Int64, Int32?).self) {
            return GroupInfo(
                id: id,
                name: name,
                createdAt: Date(milliseconds: created),
                memberCount: Int(count),
                invitePolicy: InvitePolicy(rawValue: policy) ?? .members,
                retentionDays: retention.map(Int.init)
            )
        }
        return nil
    }

    /// A join request, with the ids of its group's owner and admins.
    func joinRequest(id: String) async throws -> (request: JoinRequest, managers: [String])? {
        try await self.store.read { connection in
            guard
                let request = try await PostgresSQL.joinRequests(
                    "\(unescaped: PostgresSQL.joinRequestSelect) WHERE r.id = \(id)",
                    on: connection,
                    logger: self.logger
                ).first
            else { return nil }
            return (request, try await PostgresSQL.managers(of: request.groupId, on: connection, logger: self.logger))
        }
    }
}

/// One membership change inside its transaction, by an actor whose membership row it holds.
private struct PostgresModeration {
    let repository: PostgresChatRepository
    let connection: PostgresConnection
    let groupID: String
    let actorID: String
    let actor: GroupRole
    let date: Date
    /// What the change announced, to publish after the commit.
    private(set) var events: [ChatEvent] = []

    init(repository: PostgresChatRepository, connection: PostgresConnection, groupID: String, actorID: String, actor: GroupRole, date: Date) {
        self.repository = repository
        self.connection = connection
        self.groupID = groupID
        self.actorID = actorID
        self.actor = actor
        self.date = date
    }

    var logger: Logger { self.repository.logger }

    mutating func leave() async throws -> ModerationOutcome {
        if try ModerationRules.leave(role: self.actor, memberCount: try await self.memberCount()) { return try await self.deleteGroup() }
        try await self.remove(self.actorID, reason: .left)
        return .done
    }

    mutating func resign() async throws -> ModerationOutcome {
        if try await self.memberCount() <= 1 { return try await self.deleteGroup() }
        try await self.remove(self.actorID, reason: .left)
        if self.actor == .owner {
            var successor: String?
            for try await userID in try await self.connection.query(
                PostgresQuery(unsafeSQL: ModerationRules.successorQuery.replacingOccurrences(of: "?", with: "$1"), binds: self.groupBinds),
                logger: self.logger
            ).decode(String.self) {
                successor = userID
            }
            guard let successor else { throw ChatError.internal("A group with members has no successor.") }
            try await self.changeRole(of: successor, to: .owner)
        }
        return .done
    }

    private func memberCount() async throws -> Int {
        for try await count in try await self.connection.query(
            "SELECT count(*) FROM memberships WHERE group_id = \(self.groupID)",
            logger: self.logger
        ).decode(Int64.self) {
            return Int(count)
        }
        return 0
    }

    private var groupBinds: PostgresBindings {
        var binds = PostgresBindings()
        binds.append(self.groupID)
        return binds
    }

    mutating func kick(_ userID: String) async throws -> ModerationOutcome {
        guard userID != self.actorID else { throw ChatError.cannotTargetSelf }
        try ModerationRules.requireManager(self.actor)
        guard let target = try await self.role(of: userID) else { throw ChatError.memberNotFound }
        try ModerationRules.remove(by: self.actor, target: target, targetIsActor: false)
        try await self.remove(userID, reason: .kicked)
        return .done
    }

    mutating func ban(_ userID: String, reason: String?) async throws -> ModerationOutcome {
        guard userID != self.actorID else { throw ChatError.cannotTargetSelf }
        try ModerationRules.requireManager(self.actor)
        guard try await PostgresSQL.user(id: userID, on: self.connection, logger: self.logger) != nil else { throw ChatError.userNotFound }
        let target = try await self.role(of: userID)
        try ModerationRules.remove(by: self.actor, target: target, targetIsActor: false)
        try await self.connection.query(
            """
            INSERT INTO bans (group_id, user_id, reason, banned_by, created_at)
            VALUES (\(self.groupID), \(userID), \(reason), \(self.actorID), \(self.date.milliseconds))
            ON CONFLICT (group_id, user_id) DO UPDATE SET reason = excluded.reason, banned_by = excluded.banned_by, created_at = excluded.created_at
            """,
            logger: self.logger
        )
        if target != nil { try await self.remove(userID, reason: .banned) }
        // A request to join that was waiting is denied with the ban.
        var denied: [String] = []
        for try await id in try await self.connection.query(
            """
            UPDATE join_requests SET status = 'denied', decided_at = \(self.date.milliseconds), decided_by = \(self.actorID)
            WHERE group_id = \(self.groupID) AND user_id = \(userID) AND status = 'pending' RETURNING id
            """,
            logger: self.logger
        ).decode(String.self) {
            denied.append(id)
        }
        for id in denied { try await self.announce(.joinDenied(groupID: self.groupID, requestID: id, userID: userID)) }
        return .done
    }

    func unban(_ userID: String) async throws -> ModerationOutcome {
        try ModerationRules.requireManager(self.actor)
        for try await _ in try await self.connection.query(
            "DELETE FROM bans WHERE group_id = \(self.groupID) AND user_id = \(userID) RETURNING user_id",
            logger: self.logger
        ).decode(String.self) {
            return .done
        }
        throw ChatError.banNotFound
    }

    mutating func setRole(_ userID: String, _ role: GroupRole) async throws -> ModerationOutcome {
        try ModerationRules.setRole(role, by: self.actor, targetIsActor: userID == self.actorID)
        guard let target = try await self.role(of: userID) else { throw ChatError.memberNotFound }
        if target != role { try await self.changeRole(of: userID, to: role) }
        return .done
    }

    mutating func transfer(to userID: String) async throws -> ModerationOutcome {
        try ModerationRules.transfer(by: self.actor, targetIsActor: userID == self.actorID)
        guard try await self.role(of: userID) != nil else { throw ChatError.memberNotFound }
        // The old owner steps down first: a group has one owner at every moment.
        try await self.changeRole(of: self.actorID, to: .admin)
        try await self.changeRole(of: userID, to: .owner)
        return .done
    }

    mutating func update(name: String?, invitePolicy: InvitePolicy?, retentionDays: Int??) async throws -> ModerationOutcome {
        try ModerationRules.requireManager(self.actor)
        if retentionDays != nil { try ModerationRules.requireOwner(self.actor) }
        guard var group = try await PostgresSQL.group(id: self.groupID, as: self.actorID, on: self.connection, logger: self.logger) else {
            throw ChatError.groupNotFound
        }
        guard let changed = ModerationRules.settings(of: group, name: name, invitePolicy: invitePolicy, retentionDays: retentionDays) else {
            return .updated(group)
        }
        let rev = try await PostgresSQL.takeRev(self.groupID, on: self.connection, logger: self.logger)
        group = changed
        group.rev = rev
        let retention = group.retentionDays.map(Int32.init)
        try await self.connection.query(
            """
            UPDATE groups SET name = \(group.name), invite_policy = \(group.invitePolicy.rawValue), retention_days = \(retention),
                settings_rev = \(rev)
            WHERE id = \(self.groupID)
            """,
            logger: self.logger
        )
        try await self.announce(.groupUpdated(group.info, rev: rev))
        return .updated(group)
    }

    mutating func delete() async throws -> ModerationOutcome {
        try ModerationRules.requireOwner(self.actor)
        return try await self.deleteGroup()
    }

    mutating func decide(_ requestID: String, approve: Bool) async throws -> ModerationOutcome {
        try ModerationRules.requireManager(self.actor)
        guard
            var request = try await PostgresSQL.joinRequests(
                "\(unescaped: PostgresSQL.joinRequestSelect) WHERE r.id = \(requestID) AND r.group_id = \(self.groupID) FOR UPDATE OF r",
                on: self.connection,
                logger: self.logger
            ).first
        else { throw ChatError.requestNotFound }
        guard request.status == .pending else { throw ChatError.requestDecided }
        var usable = false
        for try await _ in try await self.connection.query(
            "SELECT id FROM invites WHERE id = \(request.invite.id) AND revoked_at IS NULL AND expires_at > \(self.date.milliseconds)",
            logger: self.logger
        ).decode(String.self) {
            usable = true
        }
        guard usable else { throw ChatError.requestExpired }
        request.status = approve ? .approved : .denied
        try await self.connection.query(
            """
            UPDATE join_requests SET status = \(request.status.rawValue), decided_at = \(self.date.milliseconds), decided_by = \(self.actorID)
            WHERE id = \(requestID)
            """,
            logger: self.logger
        )
        if !approve {
            try await self.announce(.joinDenied(groupID: self.groupID, requestID: requestID, userID: request.user.id))
        } else if try await self.role(of: request.user.id) == nil {
            self.events.append(
                try await self.repository.addMember(request.user, to: self.groupID, through: request.invite, at: self.date, on: self.connection)
            )
        }
        return .decided(request)
    }

    // MARK: Steps

    private func role(of userID: String) async throws -> GroupRole? {
        try await PostgresSQL.role(of: userID, in: self.groupID, on: self.connection, logger: self.logger)
    }

    private mutating func announce(_ event: ChatEvent) async throws {
        try await self.repository.announce(event, on: self.connection)
        self.events.append(event)
    }

    /// Ends a membership with a tombstone for the change feed, taking the group's next rev.
    private mutating func remove(_ userID: String, reason: RemovalReason) async throws {
        let rev = try await PostgresSQL.takeRev(self.groupID, on: self.connection, logger: self.logger)
        try await self.connection.query("DELETE FROM memberships WHERE group_id = \(self.groupID) AND user_id = \(userID)", logger: self.logger)
        try await self.connection.query(
            """
            INSERT INTO member_removals (group_id, user_id, rev, reason, removed_at)
            VALUES (\(self.groupID), \(userID), \(rev), \(reason.rawValue), \(self.date.milliseconds))
            ON CONFLICT (group_id, user_id) DO UPDATE SET rev = excluded.rev, reason = excluded.reason, removed_at = excluded.removed_at
            """,
            logger: self.logger
        )
        try await self.announce(.memberRemoved(groupID: self.groupID, userID: userID, reason: reason, rev: rev))
    }

    private mutating func changeRole(of userID: String, to role: GroupRole) async throws {
        let rev = try await PostgresSQL.takeRev(self.groupID, on: self.connection, logger: self.logger)
        try await self.connection.query(
            "UPDATE memberships SET role = \(role.rawValue), rev = \(rev) WHERE group_id = \(self.groupID) AND user_id = \(userID)",
            logger: self.logger
        )
        try await self.announce(.memberUpdated(groupID: self.groupID, userID: userID, role: role, rev: rev))
    }

    /// Erases the group and everything in it; every member hears of it.
    private mutating func deleteGroup() async throws -> ModerationOutcome {
        try await self.connection.query("DELETE FROM groups WHERE id = \(self.groupID)", logger: self.logger)
        try await self.announce(.groupDeleted(groupID: self.groupID))
        return .groupDeleted
    }
}
