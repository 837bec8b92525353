extension Migration {
    /// A group's own retention in days (`NULL`: the server's `RETENTION_DAYS`, if any). Messages older than it are
    /// erased by ``RetentionService``; the bounds match ``Validation/retentionDaysRange``.
    static let retention = Migration(
        name: "0008_retention",
        sqlite: [
            "ALTER TABLE groups ADD COLUMN retention_days INTEGER CHECK (retention_days IS NULL OR retention_days BETWEEN 1 AND 36500)"
        ],
        postgres: [
            "ALTER TABLE groups ADD COLUMN retention_days INTEGER CHECK (retention_days IS NULL OR retention_days BETWEEN 1 AND 36500)"
        ]
    )
}
