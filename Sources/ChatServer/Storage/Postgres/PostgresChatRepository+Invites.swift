import ChatCore
import Foundation
import Logging
import NIOCore
import PostgresNIO

extension PostgresChatRepository {
    func insertInvite(_ invite: NewInvite) async throws {
        try await self.store.transaction { connection in
            var found: (String, String)?
            for try await row in try await connection.query(
                """
                SELECT m.role, g.invite_policy FROM memberships m JOIN groups g ON g.id = m.group_id
                WHERE m.group_id = \(invite.groupID) AND m.user_id = \(invite.createdBy)
                """,
                logger: self.logger
            ).decode((String, String).self) {
                found = row
            }
            guard let (role, policy) = found else { throw ChatError.groupNotFound }
            try ModerationRules.createInvite(role: GroupRole(rawValue: role) ?? .member, policy: InvitePolicy(rawValue: policy) ?? .members)
            try await connection.query(
                """
                INSERT INTO invites (id, group_id, token_hash, created_by, created_at, expires_at, max_uses, uses, require_approval)
                VALUES (\(invite.id), \(invite.groupID), \(ByteBuffer(bytes: invite.tokenHash)), \(invite.createdBy),
                    \(invite.createdAt.milliseconds), \(invite.expiresAt.milliseconds), \(invite.maxUses), 0, \(invite.requireApproval))
                """,
                logger: self.logger
            )
        }
    }

    func ownedGroupCount(of userID: String) async throws -> Int {
        try await self.count("SELECT count(*) FROM memberships WHERE user_id = \(userID) AND role = 'owner'")
    }

    func liveInviteCount(by userID: String, at date: Date) async throws -> Int {
        try await self.count(
            "SELECT count(*) FROM invites WHERE created_by = \(userID) AND revoked_at IS NULL AND expires_at > \(date.milliseconds) AND uses < max_uses"
        )
    }

    private func count(_ query: PostgresQuery) async throws -> Int {
        for try await count in try await self.store.client.query(query, logger: self.logger).decode(Int64.self) { return Int(count) }
        return 0
    }

    func liveInvites(of groupID: String, at date: Date) async throws -> [InviteSummary] {
        let rows = try await self.store.client.query(
            """
            SELECT i.id, i.created_by, u.display_name, i.created_at, i.expires_at, i.max_uses, i.uses, i.require_approval,
                (SELECT count(*) FROM memberships j WHERE j.invite_id = i.id)
            FROM invites i JOIN users u ON u.id = i.created_by
            WHERE i.group_id = \(groupID) AND i.revoked_at IS NULL AND i.expires_at > \(date.milliseconds) AND i.uses < i.max_uses
            ORDER BY i.created_at DESC, i.id DESC
            """,
            logger: self.logger
        )
        var invites: [InviteSummary] = []
        for try await (id, creator, name, created, expires, maxUses, uses, approval, joined) in rows.decode(
            (String, String, String, Int64, Int64, Int32, Int32, Bool, Int64).self
        ) {
            invites.append(
                InviteSummary(
                    id: id,
                    groupId: groupID,
                    createdBy: UserSummary(id: creator, displayName: name),
                    expiresAt: Date(milliseconds: expires),
                    maxUses: Int(maxUses),
                    uses: Int(uses),
                    createdAt: Date(milliseconds: created),
                    requireApproval: approval,
                    joinedCount: Int(joined)
                )
            )
        }
        return invites
    }

    func revokeInvite(id: String, of groupID: String, at date: Date) async throws -> Bool {
        let rows = try await self.store.client.query(
            "UPDATE invites SET revoked_at = coalesce(revoked_at, \(date.milliseconds)) WHERE id = \(id) AND group_id = \(groupID) RETURNING id",
            logger: self.logger
        )
        for try await _ in rows.decode(String.self) { return true }
        return false
    }

    func invitePreview(tokenHash: [UInt8]) async throws -> InvitePreview? {
        let rows = try await self.store.client.query(
            """
            SELECT g.name, i.expires_at, i.max_uses, i.uses, i.revoked_at IS NOT NULL,
                (SELECT count(*) FROM memberships m WHERE m.group_id = g.id)
            FROM invites i JOIN groups g ON g.id = i.group_id WHERE i.token_hash = \(ByteBuffer(bytes: tokenHash))
            """,
            logger: self.logger
        )
        for try await (name, expires, maxUses, uses, revoked, members) in rows.decode((String, Int64, Int32, Int32, Bool, Int64).self) {
            return InvitePreview(
                groupName: name,
                memberCount: Int(members),
                expiresAt: Date(milliseconds: expires),
                maxUses: Int(maxUses),
                uses: Int(uses),
                revoked: revoked
            )
        }
        return nil
    }

    /// The invite is read `FOR UPDATE`, so concurrent accepts on every instance take its uses one at a time (and
    /// then the group's row, so one user's accepts of two invites to it take turns). A
    /// member consumes nothing; then a ban refuses; a pending request is returned as it is; otherwise the invite
    /// must be live, and one use is taken for a membership or for a new request.
    func acceptInvite(tokenHash: [UInt8], userID: String, at date: Date) async throws -> InviteAcceptance {
        let (acceptance, events) = try await self.store.transaction { connection -> (InviteAcceptance, [ChatEvent]) in
            var found: (String, String, Int64, Int32, Int32, Bool, String, String)?
            for try await row in try await connection.query(
                """
                SELECT i.id, i.group_id, i.expires_at, i.max_uses, i.uses, i.require_approval, i.created_by, u.display_name
                FROM invites i JOIN users u ON u.id = i.created_by
                WHERE i.token_hash = \(ByteBuffer(bytes: tokenHash)) AND i.revoked_at IS NULL FOR UPDATE OF i
                """,
                logger: self.logger
            ).decode((String, String, Int64, Int32, Int32, Bool, String, String).self) {
                found = row
            }
            guard let (inviteID, groupID, expires, maxUses, uses, approval, creator, creatorName) = found else { throw ChatError.inviteNotFound }
            let invite = InviteRef(id: inviteID, createdBy: UserSummary(id: creator, displayName: creatorName))
            // The group's row is locked before the membership is looked at: two accepts of different invites to
            // one group by one user then take turns, and the second finds the membership the first made.
            try await connection.query("SELECT id FROM groups WHERE id = \(groupID) FOR UPDATE", logger: self.logger)
            if let group = try await PostgresSQL.group(id: groupID, as: userID, on: connection, logger: self.logger) {
                return (.alreadyMember(group), [])
            }
            for try await _ in try await connection.query(
                "SELECT user_id FROM bans WHERE group_id = \(groupID) AND user_id = \(userID)",
                logger: self.logger
            ).decode(String.self) {
                throw ChatError.banned
            }
            if approval, let pending = try await PostgresSQL.pendingRequest(of: userID, in: groupID, at: date, on: connection, logger: self.logger) {
                return (.requested(pending), [])
            }
            guard expires > date.milliseconds else { throw ChatError.inviteExpired }
            guard uses < maxUses else { throw ChatError.inviteUsedUp }
            try await connection.query("UPDATE invites SET uses = uses + 1 WHERE id = \(inviteID)", logger: self.logger)
            guard let user = try await PostgresSQL.user(id: userID, on: connection, logger: self.logger) else { throw ChatError.invalidToken }
            if approval {
                let request = JoinRequest(
                    id: UUIDv7.make(at: date),
                    groupId: groupID,
                    status: .pending,
                    user: user.summary,
                    createdAt: date,
                    invite: invite
                )
                // A request left pending by an invite that has since expired gives way to the new one.
                try await connection.query(
                    "DELETE FROM join_requests WHERE group_id = \(groupID) AND user_id = \(userID) AND status = 'pending'",
                    logger: self.logger
                )
                try await connection.query(
                    """
                    INSERT INTO join_requests (id, group_id, user_id, invite_id, status, created_at)
                    VALUES (\(request.id), \(groupID), \(userID), \(inviteID), 'pending', \(date.milliseconds))
                    """,
                    logger: self.logger
                )
                let event = ChatEvent.joinRequested(
                    request,
                    managers: try await PostgresSQL.managers(of: groupID, on: connection, logger: self.logger)
                )
                try await self.announce(event, on: connection)
                return (.requested(request), [event])
            }
            let event = try await self.addMember(user.summary, to: groupID, through: invite, at: date, on: connection)
            guard let group = try await PostgresSQL.group(id: groupID, as: userID, on: connection, logger: self.logger) else {
                throw ChatError.internal()
            }
            return (.joined(group), [event])
        }
        self.committed(events)
        return acceptance
    }

    /// Makes the user a member, taking the group's next rev, and announces it; a tombstone of an earlier
    /// membership gives way.
    func addMember(
        _ user: UserSummary,
        to groupID: String,
        through invite: InviteRef,
        at date: Date,
        on connection: PostgresConnection
    )
        async throws -> ChatEvent
    {
        let rev = try await PostgresSQL.takeRev(groupID, on: connection, logger: self.logger)
        try await connection.query("DELETE FROM member_removals WHERE group_id = \(groupID) AND user_id = \(user.id)", logger: self.logger)
        try await connection.query(
            """
            INSERT INTO memberships (group_id, user_id, role, joined_at, rev, invite_id, invited_by)
            VALUES (\(groupID), \(user.id), 'member', \(date.milliseconds), \(rev), \(invite.id), \(invite.createdBy.id))
            """,
            logger: self.logger
        )
        let event = ChatEvent.memberJoined(groupID: groupID, user: user, role: .member, rev: rev)
        try await self.announce(event, on: connection)
        return event
    }
}

extension PostgresSQL {
    /// The ids of the group's owner and admins.
    static func managers(of groupID: String, on connection: PostgresConnection, logger: Logger) async throws -> [String] {
        var ids: [String] = []
        for try await id in try await connection.query(
            "SELECT user_id FROM memberships WHERE group_id = \(groupID) AND role IN ('owner', 'admin')",
            logger: logger
        ).decode(String.self) {
            ids.append(id)
        }
        return ids
    }

    static let joinRequestSelect = """
        SELECT r.id, r.group_id, r.status, r.created_at, r.user_id, u.display_name, r.invite_id, i.created_by, c.display_name
        FROM join_requests r JOIN users u ON u.id = r.user_id JOIN invites i ON i.id = r.invite_id JOIN users c ON c.id = i.created_by
        """

    static func joinRequests(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws -> [JoinRequest] {
        var requests: [JoinRequest] = []
        for try await (id, group, status, created, user, name, invite, creator, creatorName) in try await connection.query(query, logger: logger)
            .decode((String, String, String, Int64, String, String, String, String, String).self)
        {
            requests.append(
                JoinRequest(
                    id: id,
                    groupId: group,
                    status: JoinRequest.Status(rawValue: status) ?? .pending,
                    user: UserSummary(id: user, displayName: name),
                    createdAt: Date(milliseconds: created),
                    invite: InviteRef(id: invite, createdBy: UserSummary(id: creator, displayName: creatorName))
                )
            )
        }
        return requests
    }

    /// The user's pending request to join, while its invite is still usable.
    static func pendingRequest(
        of userID: String,
        in groupID: String,
        at date: Date,
        on connection: PostgresConnection,
        logger: Logger
    )
        async throws -> JoinRequest?
    {
        try await self.joinRequests(
            """
            \(unescaped: joinRequestSelect) WHERE r.group_id = \(groupID) AND r.user_id = \(userID) AND r.status = 'pending'
            AND i.revoked_at IS NULL AND i.expires_at > \(date.milliseconds)
            """,
            on: connection,
            logger: logger
        ).first
    }
}
