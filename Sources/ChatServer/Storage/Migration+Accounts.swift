extension Migration {
    /// Token versions and account deletion. A token carries the version of its account when it was issued, and
    /// holds while the version stays; raising it (a password change, a sign-out everywhere, a deletion) ends every
    /// token issued before. A deleted account keeps its row, its name and credentials erased, so that the
    /// tombstones of its messages still name a sender; `messages_by_sender` finds its messages left to erase.
    static let accounts = Migration(
        name: "0009_accounts",
        sqlite: [
            "ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0 CHECK (token_version >= 0)",
            "ALTER TABLE users ADD COLUMN deleted_at INTEGER",
            "CREATE INDEX users_deleted ON users (deleted_at) WHERE deleted_at IS NOT NULL",
            "CREATE INDEX messages_by_sender ON messages (sender_id, group_id, seq) WHERE deleted_at IS NULL",
        ],
        postgres: [
            "ALTER TABLE users ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0 CHECK (token_version >= 0)",
            "ALTER TABLE users ADD COLUMN deleted_at BIGINT",
            "CREATE INDEX users_deleted ON users (deleted_at) WHERE deleted_at IS NOT NULL",
            "CREATE INDEX messages_by_sender ON messages (sender_id, group_id, seq) WHERE deleted_at IS NULL",
        ]
    )
}
