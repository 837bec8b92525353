extension Migration {
    /// An account the operator disabled (`chat-server admin users disable`): its tokens fail and it cannot sign in.
    static let accountDisabling = Migration(
        name: "0011_account_disabling",
        sqlite: ["ALTER TABLE users ADD COLUMN disabled_at INTEGER"],
        postgres: ["ALTER TABLE users ADD COLUMN disabled_at BIGINT"]
    )
}
