import ChatCore
import Foundation
import PostgresNIO

extension PostgresChatRepository: AdminRepository {
    private typealias UserRow = (String, String, String?, Bool, Int64, Int64?, Int64?, Int64?, Int64)
    private typealias GroupRow = (String, String, String, Int64, Int64, Int64, Int32?, Int64, Int64)

    private static let userSelect = """
        SELECT u.id, u.display_name, u.email, u.is_guest, u.created_at, u.last_seen_at, u.disabled_at, u.deleted_at,
            (SELECT count(*) FROM memberships m WHERE m.user_id = u.id)
        FROM users u
        """

    private static let groupSelect = """
        SELECT g.id, g.name, g.created_by, g.created_at, g.last_activity_at, g.last_seq, g.retention_days,
            (SELECT count(*) FROM memberships m WHERE m.group_id = g.id),
            (SELECT count(*) FROM messages s WHERE s.group_id = g.id AND s.deleted_at IS NULL)
        FROM groups g
        """

    func adminUsers(after cursor: String?, limit: Int) async throws -> [AdminUser] {
        let rows = try await self.store.client.query(
            "\(unescaped: Self.userSelect) WHERE u.id COLLATE \"C\" > \(cursor ?? "") ORDER BY u.id COLLATE \"C\" LIMIT \(limit)",
            logger: self.logger
        )
        var users: [AdminUser] = []
        for try await row in rows.decode(UserRow.self) { users.append(Self.adminUser(row)) }
        return users
    }

    func adminUser(idOrEmail: String) async throws -> AdminUser? {
        let rows = try await self.store.client.query(
            "\(unescaped: Self.userSelect) WHERE u.id = \(idOrEmail) OR u.email_key = \(Validation.emailKey(idOrEmail)) LIMIT 1",
            logger: self.logger
        )
        var found: AdminUser?
        for try await row in rows.decode(UserRow.self) { found = Self.adminUser(row) }
        guard var user = found else { return nil }
        let count = try await self.store.client.query(
            "SELECT count(*) FROM messages WHERE sender_id = \(user.id) AND deleted_at IS NULL",
            logger: self.logger
        )
        for try await value in count.decode(Int64.self) { user.messages = Int(value) }
        return user
    }

    func adminGroups(after cursor: String?, limit: Int) async throws -> [AdminGroup] {
        let rows = try await self.store.client.query(
            "\(unescaped: Self.groupSelect) WHERE g.id COLLATE \"C\" > \(cursor ?? "") ORDER BY g.id COLLATE \"C\" LIMIT \(limit)",
            logger: self.logger
        )
        var groups: [AdminGroup] = []
        for try await row in rows.decode(GroupRow.self) { groups.append(Self.adminGroup(row)) }
        return groups
    }

    func adminGroup(id: String) async throws -> AdminGroup? {
        let rows = try await self.store.client.query("\(unescaped: Self.groupSelect) WHERE g.id = \(id)", logger: self.logger)
        var found: AdminGroup?
        for try await row in rows.decode(GroupRow.self) { found = Self.adminGroup(row) }
        guard var group = found else { return nil }
        let moderators = try await self.store.client.query(
            """
            SELECT m.user_id, u.display_name, m.role FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.group_id = \(id) AND m.role IN ('owner', 'admin') ORDER BY m.role DESC, m.joined_at
            """,
            logger: self.logger
        )
        var list: [AdminMember] = []
        for try await (userID, name, role) in moderators.decode((String, String, String).self) {
            list.append(AdminMember(userID: userID, displayName: name, role: role))
        }
        group.moderators = list
        return group
    }

    func adminStats() async throws -> AdminStats {
        let rows = try await self.store.client.query(
            """
            SELECT (SELECT count(*) FROM users WHERE deleted_at IS NULL),
                (SELECT count(*) FROM users WHERE deleted_at IS NULL AND is_guest),
                (SELECT count(*) FROM users WHERE deleted_at IS NULL AND disabled_at IS NOT NULL),
                (SELECT count(*) FROM users WHERE deleted_at IS NOT NULL),
                (SELECT count(*) FROM groups),
                (SELECT count(*) FROM messages WHERE deleted_at IS NULL),
                pg_database_size(current_database())
            """,
            logger: self.logger
        )
        for try await (users, guests, disabled, deleted, groups, messages, bytes) in rows.decode(
            (Int64, Int64, Int64, Int64, Int64, Int64, Int64).self
        ) {
            return AdminStats(
                users: Int(users),
                guests: Int(guests),
                disabledUsers: Int(disabled),
                deletedUsers: Int(deleted),
                groups: Int(groups),
                messages: Int(messages),
                databaseBytes: bytes
            )
        }
        throw ChatError.internal()
    }

    private static func adminUser(_ row: UserRow) -> AdminUser {
        let (id, name, email, guest, created, lastSeen, disabled, deleted, groups) = row
        return AdminUser(
            id: id,
            displayName: name,
            email: email,
            isGuest: guest,
            createdAt: Timestamp.date(milliseconds: created),
            lastSeenAt: lastSeen.map(Timestamp.date(milliseconds:)),
            disabledAt: disabled.map(Timestamp.date(milliseconds:)),
            deletedAt: deleted.map(Timestamp.date(milliseconds:)),
            groups: Int(groups)
        )
    }

    private static func adminGroup(_ row: GroupRow) -> AdminGroup {
        let (id, name, createdBy, created, activity, lastSeq, retention, members, messages) = row
        return AdminGroup(
            id: id,
            name: name,
            createdBy: createdBy,
            createdAt: Timestamp.date(milliseconds: created),
            lastActivityAt: Timestamp.date(milliseconds: activity),
            members: Int(members),
            messages: Int(messages),
            lastSeq: lastSeq,
            retentionDays: retention.map(Int.init)
        )
    }
}
