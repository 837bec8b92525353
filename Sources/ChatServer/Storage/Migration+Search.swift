import ChatCore

extension Migration {
    /// Full-text search over message text, kept in step with every write by the database itself.
    ///
    /// SQLite: an FTS5 index with no copy of the text (`content=''`, `contentless_delete=1`): messages are keyed by
    /// `(group_id, seq)` without a rowid, so each message gets `search_rowid`, its key in the index, given in the
    /// order messages are written (newest first is then the index's own descending order). Triggers add, replace
    /// and remove a message's words when it is written, edited, deleted or erased, in the same transaction; the
    /// text is given to the index through `chat_search_text` (``SearchText/indexable(_:)``), which every
    /// connection of chat-server installs. Existing messages are numbered by creation time and indexed here.
    ///
    /// PostgreSQL: a generated `tsvector` column (the `simple` configuration, so that words are found as typed)
    /// with a GIN index; the database computes it on every insert and edit, and for existing rows here. An index on
    /// the creation time lets the planner stop after a page for common words instead of sorting every match.
    static let search = Migration(
        name: "0007_search",
        sqlite: [
            "ALTER TABLE messages ADD COLUMN search_rowid INTEGER",
            "DROP TRIGGER messages_change_takes_rev",
            """
            UPDATE messages SET search_rowid = numbered.n
            FROM (SELECT group_id, seq, row_number() OVER (ORDER BY created_at, group_id, seq) AS n FROM messages) AS numbered
            WHERE messages.group_id = numbered.group_id AND messages.seq = numbered.seq
            """,
            sqliteChangeTakesRev(alsoFixed: ["search_rowid"]),
            "CREATE UNIQUE INDEX messages_by_search_rowid ON messages (search_rowid)",
            """
            CREATE TRIGGER messages_search_rowid_given BEFORE INSERT ON messages WHEN NEW.search_rowid IS NULL
            BEGIN
                SELECT RAISE(ABORT, 'messages.search_rowid is required: the next after the largest in use');
            END
            """,
            """
            CREATE VIRTUAL TABLE message_search USING fts5(
                body, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
            )
            """,
            """
            INSERT INTO message_search (rowid, body)
            SELECT search_rowid, chat_search_text(text) FROM messages WHERE deleted_at IS NULL
            """,
            """
            CREATE TRIGGER messages_search_insert AFTER INSERT ON messages WHEN NEW.deleted_at IS NULL
            BEGIN
                INSERT INTO message_search (rowid, body) VALUES (NEW.search_rowid, chat_search_text(NEW.text));
            END
            """,
            """
            CREATE TRIGGER messages_search_update AFTER UPDATE OF text, deleted_at ON messages
            WHEN NEW.text IS NOT OLD.text OR NEW.deleted_at IS NOT OLD.deleted_at
            BEGIN
                DELETE FROM message_search WHERE rowid = OLD.search_rowid AND OLD.deleted_at IS NULL;
                INSERT INTO message_search (rowid, body)
                SELECT NEW.search_rowid, chat_search_text(NEW.text) WHERE NEW.deleted_at IS NULL;
            END
            """,
            """
            CREATE TRIGGER messages_search_delete AFTER DELETE ON messages WHEN OLD.deleted_at IS NULL
            BEGIN
                DELETE FROM message_search WHERE rowid = OLD.search_rowid;
            END
            """,
        ],
        postgres: [
            """
            ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
                to_tsvector('simple'::regconfig, regexp_replace(lower(text), '(\(postgresUnspaced))', ' \\1 ', 'g'))
            ) STORED
            """,
            "CREATE INDEX messages_search ON messages USING gin (search)",
            // Newest first without sorting every match: for a common word the planner walks this backwards.
            "CREATE INDEX messages_by_time ON messages (created_at, group_id, seq)",
        ]
    )

    /// ``SearchText/unspacedRanges`` as a PostgreSQL bracket expression, so that both backends cut the same words.
    private static let postgresUnspaced: String = {
        let ranges = SearchText.unspacedRanges.map { range in
            "\\U\(hex8(range.lowerBound))-\\U\(hex8(range.upperBound))"
        }
        return "[" + ranges.joined() + "]"
    }()

    private static func hex8(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
