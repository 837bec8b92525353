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
    /// When this instance's own events reach its sockets.
    enum Publishing: Sendable {
        /// Right after the commit (for a repository used alone, without a listener).
        case onCommit
        /// When their notification comes back, in the database's commit order (see ``PendingEvents``).
        case onNotification
    }

    let store: PostgresStore
    let sink: any ChatEventSink
    let publishing: Publishing

    init(store: PostgresStore, sink: any ChatEventSink, publishing: Publishing = .onCommit) {
        self.store = store
        self.sink = sink
        self.publishing = publishing
    }

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
            """
            SELECT \(unescaped: PostgresSQL.userColumns), password_hash, token_version, disabled_at FROM users
            WHERE email_key = \(Validation.emailKey(email)) AND deleted_at IS NULL
            """,
            logger: self.logger
        )
        for try await (id, name, email, guest, created, hash, version, disabledAt) in rows.decode(
            (String, String, String?, Bool, Int64, String, Int64, Int64?).self
        ) {
            return StoredCredentials(
                user: PostgresSQL.user(id, name, email, guest, created),
                passwordHash: hash,
                tokenVersion: version,
                disabled: disabledAt != nil
            )
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
            let event = ChatEvent.memberJoined(groupID: id, user: user.summary, role: .owner, rev: 0)
            try await self.announce(event, on: connection)
            return event
        }
        self.committed([event])
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

    func broadcast(_ event: ChatEvent) async throws {
        try await self.store.client.withConnection { connection in try await self.announce(event, on: connection) }
        self.committed([event])
    }

    /// Announces an event to every instance, this one included, in the transaction that makes the change.
    func announce(_ event: ChatEvent, on connection: PostgresConnection) async throws {
        let number = self.publishing == .onNotification ? self.store.pending.hold(event) : nil
        let payload = FanOutPayload(event, instance: self.store.instanceID, number: number)
        try await connection.query("SELECT pg_notify(\(FanOutPayload.channel), \(payload.json))", logger: self.logger)
    }

    /// After the commit: publishes to this instance's sockets at once, unless the notifications will.
    func committed(_ events: [ChatEvent]) {
        if self.publishing == .onCommit, !events.isEmpty { self.sink.publish(events) }
    }
}
