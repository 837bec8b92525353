import ChatCore
import ChatSQLite
import Foundation
import SQLiteNIO

extension SQLiteChatRepository: AdminRepository {
    private static let userSelect = """
        SELECT u.id, u.display_name, u.email, u.is_guest, u.created_at, u.last_seen_at, u.disabled_at, u.deleted_at,
            (SELECT count(*) FROM memberships m WHERE m.user_id = u.id) AS group_count
        FROM users u
        """

    private static let groupSelect = """
        SELECT g.id, g.name, g.created_by, g.created_at, g.last_activity_at, g.last_seq, g.retention_days,
            (SELECT count(*) FROM memberships m WHERE m.group_id = g.id) AS member_count,
            (SELECT count(*) FROM messages s WHERE s.group_id = g.id AND s.deleted_at IS NULL) AS message_count
        FROM groups g
        """

    func adminUsers(after cursor: String?, limit: Int) async throws -> [AdminUser] {
        try await self.store.read { connection in
            try await connection.rows("\(Self.userSelect) WHERE u.id > ? ORDER BY u.id LIMIT ?", [.text(cursor ?? ""), .integer(limit)])
                .map(Self.adminUser)
        }
    }

    func adminUser(idOrEmail: String) async throws -> AdminUser? {
        try await self.store.read { connection in
            let rows = try await connection.rows(
                "\(Self.userSelect) WHERE u.id = ? OR u.email_key = ? LIMIT 1",
                [.text(idOrEmail), .text(Validation.emailKey(idOrEmail))]
            )
            guard var user = try rows.first.map(Self.adminUser) else { return nil }
            let count = try await connection.rows(
                "SELECT count(*) AS n FROM messages WHERE sender_id = ? AND deleted_at IS NULL",
                [.text(user.id)]
            )
            user.messages = try count.first?.int("n")
            return user
        }
    }

    func adminGroups(after cursor: String?, limit: Int) async throws -> [AdminGroup] {
        try await self.store.read { connection in
            try await connection.rows("\(Self.groupSelect) WHERE g.id > ? ORDER BY g.id LIMIT ?", [.text(cursor ?? ""), .integer(limit)])
                .map(Self.adminGroup)
        }
    }

    func adminGroup(id: String) async throws -> AdminGroup? {
        try await self.store.read { connection in
            guard var group = try await connection.rows("\(Self.groupSelect) WHERE g.id = ?", [.text(id)]).first.map(Self.adminGroup)
            else { return nil }
            group.moderators = try await connection.rows(
                """
                SELECT m.user_id, u.display_name, m.role FROM memberships m JOIN users u ON u.id = m.user_id
                WHERE m.group_id = ? AND m.role IN ('owner', 'admin') ORDER BY m.role DESC, m.joined_at
                """,
                [.text(id)]
            ).map { AdminMember(userID: try $0.text("user_id"), displayName: try $0.text("display_name"), role: try $0.text("role")) }
            return group
        }
    }

    func adminStats() async throws -> AdminStats {
        let path: String? = if case .file(let path) = self.store.location { path } else { nil }
        return try await self.store.read { connection in
            let row = try await connection.rows(
                """
                SELECT (SELECT count(*) FROM users WHERE deleted_at IS NULL) AS users,
                    (SELECT count(*) FROM users WHERE deleted_at IS NULL AND is_guest = 1) AS guests,
                    (SELECT count(*) FROM users WHERE deleted_at IS NULL AND disabled_at IS NOT NULL) AS disabled,
                    (SELECT count(*) FROM users WHERE deleted_at IS NOT NULL) AS deleted,
                    (SELECT count(*) FROM groups) AS groups,
                    (SELECT count(*) FROM messages WHERE deleted_at IS NULL) AS messages
                """
            ).first
            guard let row else { throw ChatError.internal() }
            let bytes = path.map { path in
                ["", "-wal"].reduce(Int64(0)) { total, suffix in
                    let size = (try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? NSNumber)?.int64Value
                    return total + (size ?? 0)
                }
            }
            return AdminStats(
                users: try row.int("users"),
                guests: try row.int("guests"),
                disabledUsers: try row.int("disabled"),
                deletedUsers: try row.int("deleted"),
                groups: try row.int("groups"),
                messages: try row.int("messages"),
                databaseBytes: bytes ?? 0
            )
        }
    }

    private static func adminUser(_ row: SQLiteRecord) throws -> AdminUser {
        AdminUser(
            id: try row.text("id"),
            displayName: try row.text("display_name"),
            email: row.optionalText("email"),
            isGuest: try row.int("is_guest") == 1,
            createdAt: try row.date("created_at"),
            lastSeenAt: try row.optionalDate("last_seen_at"),
            disabledAt: try row.optionalDate("disabled_at"),
            deletedAt: try row.optionalDate("deleted_at"),
            groups: try row.int("group_count")
        )
    }

    private static func adminGroup(_ row: SQLiteRecord) throws -> AdminGroup {
        AdminGroup(
            id: try row.text("id"),
            name: try row.text("name"),
            createdBy: try row.text("created_by"),
            createdAt: try row.date("created_at"),
            lastActivityAt: try row.date("last_activity_at"),
            members: try row.int("member_count"),
            messages: try row.int("message_count"),
            lastSeq: Int64(try row.int("last_seq")),
            retentionDays: row.optionalInt("retention_days")
        )
    }
}
