extension Migration {
    /// The per-user caps: live invites are counted by their creator, so the count reads an index, not the table.
    /// (Owned groups are counted through `memberships_by_user`.)
    static let quotas = Migration(
        name: "0010_quotas",
        sqlite: ["CREATE INDEX invites_by_creator ON invites (created_by, expires_at) WHERE revoked_at IS NULL"],
        postgres: ["CREATE INDEX invites_by_creator ON invites (created_by, expires_at) WHERE revoked_at IS NULL"]
    )
}
