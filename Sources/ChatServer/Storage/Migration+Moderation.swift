extension Migration {
    /// Membership and moderation: every membership change takes the group's next rev too (`memberships.rev`;
    /// 0 for memberships from before, and for a group's creator), a removal leaves a tombstone for the change feed
    /// (`member_removals`, until the user joins again), bans, the invite policy, invites that need approval and
    /// their join requests, and the invite each membership came through. A group has exactly one owner.
    static let moderation = Migration(
        name: "0006_moderation",
        sqlite: [
            "ALTER TABLE groups ADD COLUMN invite_policy TEXT NOT NULL DEFAULT 'members' CHECK (invite_policy IN ('members', 'admins'))",
            "ALTER TABLE groups ADD COLUMN settings_rev INTEGER NOT NULL DEFAULT 0 CHECK (settings_rev >= 0)",
            "ALTER TABLE memberships ADD COLUMN rev INTEGER NOT NULL DEFAULT 0 CHECK (rev >= 0)",
            "ALTER TABLE memberships ADD COLUMN invite_id TEXT",
            "ALTER TABLE memberships ADD COLUMN invited_by TEXT REFERENCES users(id) ON DELETE SET NULL",
            "CREATE INDEX memberships_by_rev ON memberships (group_id, rev) WHERE rev > 0",
            "CREATE INDEX memberships_by_invite ON memberships (invite_id) WHERE invite_id IS NOT NULL",
            "CREATE UNIQUE INDEX memberships_one_owner ON memberships (group_id) WHERE role = 'owner'",
            "ALTER TABLE invites ADD COLUMN require_approval INTEGER NOT NULL DEFAULT 0 CHECK (require_approval IN (0, 1))",
            """
            CREATE TABLE member_removals (
                group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                user_id TEXT NOT NULL,
                rev INTEGER NOT NULL CHECK (rev >= 1),
                reason TEXT NOT NULL CHECK (reason IN ('left', 'kicked', 'banned')),
                removed_at INTEGER NOT NULL,
                PRIMARY KEY (group_id, user_id)
            ) STRICT, WITHOUT ROWID
            """,
            "CREATE INDEX member_removals_by_rev ON member_removals (group_id, rev)",
            """
            CREATE TABLE bans (
                group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                reason TEXT CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 500),
                banned_by TEXT REFERENCES users(id) ON DELETE SET NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (group_id, user_id)
            ) STRICT, WITHOUT ROWID
            """,
            """
            CREATE TABLE join_requests (
                id TEXT PRIMARY KEY NOT NULL,
                group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                invite_id TEXT NOT NULL REFERENCES invites(id) ON DELETE CASCADE,
                status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
                created_at INTEGER NOT NULL,
                decided_at INTEGER,
                decided_by TEXT REFERENCES users(id) ON DELETE SET NULL,
                CHECK ((status = 'pending') = (decided_at IS NULL))
            ) STRICT
            """,
            "CREATE UNIQUE INDEX join_requests_pending ON join_requests (group_id, user_id) WHERE status = 'pending'",
            "CREATE INDEX join_requests_by_group ON join_requests (group_id, status, created_at)",
        ],
        postgres: [
            "ALTER TABLE groups ADD COLUMN invite_policy TEXT NOT NULL DEFAULT 'members' CHECK (invite_policy IN ('members', 'admins'))",
            "ALTER TABLE groups ADD COLUMN settings_rev BIGINT NOT NULL DEFAULT 0 CHECK (settings_rev >= 0)",
            "ALTER TABLE memberships ADD COLUMN rev BIGINT NOT NULL DEFAULT 0 CHECK (rev >= 0)",
            "ALTER TABLE memberships ADD COLUMN invite_id TEXT",
            "ALTER TABLE memberships ADD COLUMN invited_by TEXT REFERENCES users(id) ON DELETE SET NULL",
            "CREATE INDEX memberships_by_rev ON memberships (group_id, rev) WHERE rev > 0",
            "CREATE INDEX memberships_by_invite ON memberships (invite_id) WHERE invite_id IS NOT NULL",
            "CREATE UNIQUE INDEX memberships_one_owner ON memberships (group_id) WHERE role = 'owner'",
            "ALTER TABLE invites ADD COLUMN require_approval BOOLEAN NOT NULL DEFAULT false",
            """
            CREATE TABLE member_removals (
                group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                user_id TEXT NOT NULL,
                rev BIGINT NOT NULL CHECK (rev >= 1),
                reason TEXT NOT NULL CHECK (reason IN ('left', 'kicked', 'banned')),
                removed_at BIGINT NOT NULL,
                PRIMARY KEY (group_id, user_id)
            )
            """,
            "CREATE INDEX member_removals_by_rev ON member_removals (group_id, rev)",
            """
            CREATE TABLE bans (
                group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                reason TEXT CHECK (reason IS NULL OR char_length(reason) BETWEEN 1 AND 500),
                banned_by TEXT REFERENCES users(id) ON DELETE SET NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (group_id, user_id)
            )
            """,
            """
            CREATE TABLE join_requests (
                id TEXT PRIMARY KEY,
                group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                invite_id TEXT NOT NULL REFERENCES invites(id) ON DELETE CASCADE,
                status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
                created_at BIGINT NOT NULL,
                decided_at BIGINT,
                decided_by TEXT REFERENCES users(id) ON DELETE SET NULL,
                CHECK ((status = 'pending') = (decided_at IS NULL))
            )
            """,
            "CREATE UNIQUE INDEX join_requests_pending ON join_requests (group_id, user_id) WHERE status = 'pending'",
            "CREATE INDEX join_requests_by_group ON join_requests (group_id, status, created_at)",
        ]
    )
}
