import ChatCore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The production backend: ``ChatRepository`` on PostgreSQL, safe with several instances on one database.
///
/// - `seq` comes from `UPDATE groups SET last_seq = last_seq + 1 … RETURNING`, whose row lock orders the
///   writers of a group across instances; the insert is in the same transaction, so a failure leaves no gap.
/// - An invite is read `FOR UPDATE`, so concurrent accepts on any instances consume its uses one at a time.
/// - A `clientId` is unique per sender in the schema; the loser of a race reads the winner's message.
/// - Committed events are sent with `pg_notify` inside the transaction (so only committed changes are
///   announced), and published to this instance's sockets right after the commit.
struct PostgresChatRepository: ChatRepository {
    let store: PostgresStore
    let sink: any ChatEventSink

    var logger: Logger { self.store.logger }

    // MARK: Users

    func insertUser(_ user: User, passwordHash: String?) async throws {
        do {
            try await self.store.client.query(
                """
                INSERT INTO users (id, display_name, email, email_key, password_hash, is_guest, created_at)
                VALUES (\(user.id), \(user.displayName), \(user.email), \(user.email.map(Validation.emailKey)), \(passwordHash),
                    \(user.isGuest), \(user.createdAt.milliseconds))
                """,
                logger: self.logger
            )
        } catch  where error.isUniqueViolation("users_email_key_key") {
            throw ChatError.emailTaken
        }
    }

    func user(id: String) async throws -> User? {
        try await self.store.read { connection in try await PostgresSQL.user(id: id, on: connection, logger: self.logger) }
    }

    func credentials(email: String) async throws -> StoredCredentials? {
        let rows = try await self.store.client.query(
            "SELECT \(unescaped: PostgresSQL.userColumns), password_hash FROM users WHERE email_key = \(Validation.emailKey(email))",
            logger: self.logger
        )
        for try await (id, name, email, guest, created, hash) in rows.decode((String, String, String?, Bool, Int64, String).self) {
            return StoredCredentials(user: PostgresSQL.user(id, name, email, guest, created), passwordHash: hash)
        }
        return nil
    }

    // MARK: Groups

    func createGroup(id: String, name: String, owner: String, at date: Date) async throws -> Group {
        let event = try await self.store.transaction { connection in
            try await connection.query(
                """
                INSERT INTO groups (id, name, created_by, created_at, last_seq, last_activity_at)
                VALUES (\(id), \(name), \(owner), \(date.milliseconds), 0, \(date.milliseconds))
                """,
                logger: self.logger
            )
            try await connection.query(
                "INSERT INTO memberships (group_id, user_id, role, joined_at) VALUES (\(id), \(owner), 'owner', \(date.milliseconds))",
                logger: self.logger
            )
            guard let user = try await PostgresSQL.user(id: owner, on: connection, logger: self.logger) else { throw ChatError.invalidToken }
            let event = ChatEvent.memberJoined(groupID: id, user: user.summary, role: .owner)
            try await self.notify(event, on: connection)
            return event
        }
        self.sink.publish([event])
        return Group(id: id, name: name, createdAt: date, role: .owner, memberCount: 1, lastSeq: 0)
    }

    func groups(of userID: String) async throws -> [Group] {
        try await self.store.read { connection in
            try await PostgresSQL.groups(
                "\(unescaped: PostgresSQL.groupSelect) WHERE m.user_id = \(userID) ORDER BY g.last_activity_at DESC, g.id DESC",
                on: connection,
                logger: self.logger
            )
        }
    }

    func group(id: String, as userID: String) async throws -> Group? {
        try await self.store.read { connection in try await PostgresSQL.group(id: id, as: userID, on: connection, logger: self.logger) }
    }

    func role(of userID: String, in groupID: String) async throws -> GroupRole? {
        let rows = try await self.store.client.query(
            "SELECT role FROM memberships WHERE group_id = \(groupID) AND user_id = \(userID)",
            logger: self.logger
        )
        for try await role in rows.decode(String.self) { return GroupRole(rawValue: role) }
        return nil
    }

    func members(of groupID: String) async throws -> [Member] {
        let rows = try await self.store.client.query(
            """
            SELECT m.user_id, u.display_name, m.role, m.joined_at FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.group_id = \(groupID) ORDER BY m.joined_at, m.user_id
            """,
            logger: self.logger
        )
        var members: [Member] = []
        for try await (id, name, role, joined) in rows.decode((String, String, String, Int64).self) {
            members.append(
                Member(user: UserSummary(id: id, displayName: name), role: GroupRole(rawValue: role) ?? .member, joinedAt: Date(milliseconds: joined))
            )
        }
        return members
    }

    // MARK: Invites

    func insertInvite(_ invite: NewInvite) async throws {
        try await self.store.client.query(
            """
            INSERT INTO invites (id, group_id, token_hash, created_by, created_at, expires_at, max_uses, uses)
            VALUES (\(invite.id), \(invite.groupID), \(ByteBuffer(bytes: invite.tokenHash)), \(invite.createdBy),
                \(invite.createdAt.milliseconds), \(invite.expiresAt.milliseconds), \(invite.maxUses), 0)
            """,
            logger: self.logger
        )
    }

    func liveInvites(of groupID: String, at date: Date) async throws -> [InviteSummary] {
        let rows = try await self.store.client.query(
            """
            SELECT i.id, i.created_by, u.display_name, i.created_at, i.expires_at, i.max_uses, i.uses
            FROM invites i JOIN users u ON u.id = i.created_by
            WHERE i.group_id = \(groupID) AND i.revoked_at IS NULL AND i.expires_at > \(date.milliseconds) AND i.uses < i.max_uses
            ORDER BY i.created_at DESC, i.id DESC
            """,
            logger: self.logger
        )
        var invites: [InviteSummary] = []
        for try await (id, creator, name, created, expires, maxUses, uses) in rows.decode((String, String, String, Int64, Int64, Int32, Int32).self) {
            invites.append(
                InviteSummary(
                    id: id,
                    groupId: groupID,
                    createdBy: UserSummary(id: creator, displayName: name),
                    expiresAt: Date(milliseconds: expires),
                    maxUses: Int(maxUses),
                    uses: Int(uses),
                    createdAt: Date(milliseconds: created)
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

    func acceptInvite(tokenHash: [UInt8], userID: String, at date: Date) async throws -> InviteAcceptance {
        let (acceptance, event) = try await self.store.transaction { connection -> (InviteAcceptance, ChatEvent?) in
            let rows = try await connection.query(
                """
                SELECT id, group_id, expires_at, max_uses, uses FROM invites
                WHERE token_hash = \(ByteBuffer(bytes: tokenHash)) AND revoked_at IS NULL FOR UPDATE
                """,
                logger: self.logger
            )
            var found: (String, String, Int64, Int32, Int32)?
            for try await row in rows.decode((String, String, Int64, Int32, Int32).self) { found = row }
            guard let (inviteID, groupID, expires, maxUses, uses) = found else { throw ChatError.inviteNotFound }
            if let group = try await PostgresSQL.group(id: groupID, as: userID, on: connection, logger: self.logger) {
                return (.alreadyMember(group), nil)
            }
            guard expires > date.milliseconds else { throw ChatError.inviteExpired }
            guard uses < maxUses else { throw ChatError.inviteUsedUp }
            try await connection.query("UPDATE invites SET uses = uses + 1 WHERE id = \(inviteID)", logger: self.logger)
            try await connection.query(
                "INSERT INTO memberships (group_id, user_id, role, joined_at) VALUES (\(groupID), \(userID), 'member', \(date.milliseconds))",
                logger: self.logger
            )
            guard let group = try await PostgresSQL.group(id: groupID, as: userID, on: connection, logger: self.logger),
                let user = try await PostgresSQL.user(id: userID, on: connection, logger: self.logger)
            else { throw ChatError.internal() }
            let event = ChatEvent.memberJoined(groupID: groupID, user: user.summary, role: .member)
            try await self.notify(event, on: connection)
            return (.joined(group), event)
        }
        if let event { self.sink.publish([event]) }
        return acceptance
    }

    func broadcast(_ event: ChatEvent) async throws {
        self.sink.publish([event])
        try await self.store.client.query(
            "SELECT pg_notify(\(FanOutPayload.channel), \(FanOutPayload(event, instance: self.store.instanceID).json))",
            logger: self.logger
        )
    }

    /// Announces a change to the other instances, in the transaction that makes it.
    func notify(_ event: ChatEvent, on connection: PostgresConnection) async throws {
        try await connection.query(
            "SELECT pg_notify(\(FanOutPayload.channel), \(FanOutPayload(event, instance: self.store.instanceID).json))",
            logger: self.logger
        )
    }
}
