extension Migration {
    /// The group change feed and the message lifecycle: every change of a group takes the group's next `rev`
    /// (`groups.last_rev`), the message row keeps the rev of its latest change, edits and deletes (a deleted
    /// message keeps its row with an empty text), replies, reactions, read markers and presence.
    ///
    /// A message also keeps `created_rev`, the rev of its creation. Only messages changed since their creation
    /// (`rev <> created_rev`) are in the rev index: a new message, by far the most common write, touches no
    /// extra index page, and the change feed finds new messages by `seq` instead (their revs follow their seqs).
    ///
    /// Existing messages get `rev = created_rev = seq` (each was one change, its creation) and groups
    /// `last_rev = last_seq`. SQLite cannot change a column's constraint in place, so its messages table is rebuilt.
    static let changeFeed = Migration(
        name: "0005_change_feed",
        sqlite: [
            "ALTER TABLE groups ADD COLUMN last_rev INTEGER NOT NULL DEFAULT 0 CHECK (last_rev >= 0)",
            "UPDATE groups SET last_rev = last_seq",
            "ALTER TABLE memberships ADD COLUMN read_seq INTEGER NOT NULL DEFAULT 0 CHECK (read_seq >= 0)",
            "ALTER TABLE users ADD COLUMN last_seen_at INTEGER",
            """
            CREATE TABLE messages_v2 (
                group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                seq INTEGER NOT NULL CHECK (seq >= 1),
                rev INTEGER NOT NULL CHECK (rev >= created_rev),
                created_rev INTEGER NOT NULL CHECK (created_rev >= 1),
                id TEXT NOT NULL UNIQUE,
                sender_id TEXT NOT NULL REFERENCES users(id),
                text TEXT NOT NULL CHECK (length(text) BETWEEN (deleted_at IS NULL) AND 4000 * (deleted_at IS NULL)),
                client_id TEXT CHECK (client_id IS NULL OR length(client_id) BETWEEN 1 AND 64),
                created_at INTEGER NOT NULL,
                edited_at INTEGER,
                deleted_at INTEGER,
                reply_to_id TEXT,
                reply_to_seq INTEGER CHECK ((reply_to_id IS NULL) = (reply_to_seq IS NULL) AND reply_to_seq < seq),
                PRIMARY KEY (group_id, seq)
            ) STRICT, WITHOUT ROWID
            """,
            """
            INSERT INTO messages_v2 (group_id, seq, rev, created_rev, id, sender_id, text, client_id, created_at)
            SELECT group_id, seq, seq, seq, id, sender_id, text, client_id, created_at FROM messages
            """,
            "DROP TABLE messages",
            "ALTER TABLE messages_v2 RENAME TO messages",
            "CREATE UNIQUE INDEX messages_by_client_id ON messages (sender_id, client_id) WHERE client_id IS NOT NULL",
            "CREATE UNIQUE INDEX messages_changed ON messages (group_id, rev) WHERE rev <> created_rev",
            """
            CREATE TRIGGER messages_seq_is_next BEFORE INSERT ON messages
            WHEN NEW.created_rev IS NOT NEW.rev
                OR NOT EXISTS (SELECT 1 FROM groups WHERE id = NEW.group_id AND last_seq = NEW.seq AND last_rev = NEW.rev)
            BEGIN
                SELECT RAISE(ABORT, 'messages.seq and rev must equal the group''s freshly incremented last_seq and last_rev');
            END
            """,
            sqliteChangeTakesRev(),
            """
            CREATE TABLE reactions (
                group_id TEXT NOT NULL,
                seq INTEGER NOT NULL,
                emoji TEXT NOT NULL CHECK (length(CAST(emoji AS BLOB)) BETWEEN 1 AND 32),
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                rev INTEGER NOT NULL CHECK (rev >= 1),
                PRIMARY KEY (group_id, seq, emoji, user_id),
                FOREIGN KEY (group_id, seq) REFERENCES messages (group_id, seq) ON DELETE CASCADE
            ) STRICT, WITHOUT ROWID
            """,
            """
            CREATE TRIGGER reactions_on_live_messages BEFORE INSERT ON reactions
            WHEN (SELECT deleted_at FROM messages WHERE group_id = NEW.group_id AND seq = NEW.seq) IS NOT NULL
                OR (NOT EXISTS (SELECT 1 FROM reactions WHERE group_id = NEW.group_id AND seq = NEW.seq AND emoji = NEW.emoji)
                    AND (SELECT count(DISTINCT emoji) FROM reactions WHERE group_id = NEW.group_id AND seq = NEW.seq) >= 20)
            BEGIN
                SELECT RAISE(ABORT, 'reactions: not on a deleted message, and at most 20 distinct emoji per message');
            END
            """,
            """
            CREATE TABLE presence (
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                instance_id TEXT NOT NULL CHECK (length(instance_id) BETWEEN 1 AND 64),
                seen_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL CHECK (expires_at > seen_at),
                PRIMARY KEY (user_id, instance_id)
            ) STRICT, WITHOUT ROWID
            """,
            "CREATE INDEX presence_by_instance ON presence (instance_id, user_id)",
            "CREATE INDEX presence_by_expiry ON presence (expires_at)",
        ],
        postgres: [
            "ALTER TABLE groups ADD COLUMN last_rev BIGINT NOT NULL DEFAULT 0 CHECK (last_rev >= 0)",
            "UPDATE groups SET last_rev = last_seq",
            "ALTER TABLE memberships ADD COLUMN read_seq BIGINT NOT NULL DEFAULT 0 CHECK (read_seq >= 0)",
            "ALTER TABLE users ADD COLUMN last_seen_at BIGINT",
            """
            ALTER TABLE messages ADD COLUMN rev BIGINT, ADD COLUMN created_rev BIGINT, ADD COLUMN edited_at BIGINT,
                ADD COLUMN deleted_at BIGINT, ADD COLUMN reply_to_id TEXT, ADD COLUMN reply_to_seq BIGINT
            """,
            "UPDATE messages SET rev = seq, created_rev = seq",
            """
            ALTER TABLE messages ALTER COLUMN rev SET NOT NULL, ALTER COLUMN created_rev SET NOT NULL,
                ADD CONSTRAINT messages_rev_check CHECK (created_rev >= 1 AND rev >= created_rev),
                DROP CONSTRAINT messages_text_check,
                ADD CONSTRAINT messages_text_check
                    CHECK (char_length(text) BETWEEN (deleted_at IS NULL)::int AND 4000 * (deleted_at IS NULL)::int),
                ADD CONSTRAINT messages_reply_check CHECK ((reply_to_id IS NULL) = (reply_to_seq IS NULL) AND reply_to_seq < seq)
            """,
            "CREATE UNIQUE INDEX messages_changed ON messages (group_id, rev) WHERE rev <> created_rev",
            """
            CREATE OR REPLACE FUNCTION messages_seq_is_next() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.created_rev IS DISTINCT FROM NEW.rev
                    OR NOT EXISTS (SELECT 1 FROM groups WHERE id = NEW.group_id AND last_seq = NEW.seq AND last_rev = NEW.rev) THEN
                    RAISE EXCEPTION 'messages.seq and rev must equal the group''s freshly incremented last_seq and last_rev';
                END IF;
                RETURN NEW;
            END
            $$
            """,
            """
            CREATE FUNCTION messages_change_takes_rev() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.rev IS DISTINCT FROM (SELECT last_rev FROM groups WHERE id = NEW.group_id) OR NEW.rev <= OLD.rev
                    OR NEW.group_id IS DISTINCT FROM OLD.group_id OR NEW.seq IS DISTINCT FROM OLD.seq
                    OR NEW.id IS DISTINCT FROM OLD.id OR NEW.sender_id IS DISTINCT FROM OLD.sender_id
                    OR NEW.created_at IS DISTINCT FROM OLD.created_at OR NEW.created_rev IS DISTINCT FROM OLD.created_rev
                    OR (OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS DISTINCT FROM OLD.deleted_at) THEN
                    RAISE EXCEPTION 'a change to a message takes the group''s next rev, and its identity never changes';
                END IF;
                RETURN NEW;
            END
            $$
            """,
            """
            CREATE TRIGGER messages_change_takes_rev BEFORE UPDATE ON messages
            FOR EACH ROW EXECUTE FUNCTION messages_change_takes_rev()
            """,
            """
            CREATE TABLE reactions (
                group_id TEXT NOT NULL,
                seq BIGINT NOT NULL,
                emoji TEXT NOT NULL CHECK (octet_length(emoji) BETWEEN 1 AND 32),
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                rev BIGINT NOT NULL CHECK (rev >= 1),
                PRIMARY KEY (group_id, seq, emoji, user_id),
                FOREIGN KEY (group_id, seq) REFERENCES messages (group_id, seq) ON DELETE CASCADE
            )
            """,
            """
            CREATE FUNCTION reactions_on_live_messages() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF (SELECT deleted_at FROM messages WHERE group_id = NEW.group_id AND seq = NEW.seq) IS NOT NULL
                    OR (NOT EXISTS (SELECT 1 FROM reactions WHERE group_id = NEW.group_id AND seq = NEW.seq AND emoji = NEW.emoji)
                        AND (SELECT count(DISTINCT emoji) FROM reactions WHERE group_id = NEW.group_id AND seq = NEW.seq) >= 20) THEN
                    RAISE EXCEPTION 'reactions: not on a deleted message, and at most 20 distinct emoji per message';
                END IF;
                RETURN NEW;
            END
            $$
            """,
            """
            CREATE TRIGGER reactions_on_live_messages BEFORE INSERT ON reactions
            FOR EACH ROW EXECUTE FUNCTION reactions_on_live_messages()
            """,
            """
            CREATE TABLE presence (
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                instance_id TEXT NOT NULL CHECK (char_length(instance_id) BETWEEN 1 AND 64),
                seen_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL CHECK (expires_at > seen_at),
                PRIMARY KEY (user_id, instance_id)
            )
            """,
            "CREATE INDEX presence_by_instance ON presence (instance_id, user_id)",
            "CREATE INDEX presence_by_expiry ON presence (expires_at)",
        ]
    )
}

extension Migration {
    /// SQLite: a message's change takes the group's next rev, and its identity (with the columns `alsoFixed`) never
    /// changes. Named, because a later migration sets it aside to fill in a new column and puts it back, stricter.
    static func sqliteChangeTakesRev(alsoFixed: [String] = []) -> String {
        let fixed = alsoFixed.map { " OR NEW.\($0) IS NOT OLD.\($0)" }.joined()
        return """
            CREATE TRIGGER messages_change_takes_rev BEFORE UPDATE ON messages
            WHEN NEW.rev IS NOT (SELECT last_rev FROM groups WHERE id = NEW.group_id) OR NEW.rev <= OLD.rev
                OR NEW.group_id IS NOT OLD.group_id OR NEW.seq IS NOT OLD.seq OR NEW.id IS NOT OLD.id
                OR NEW.sender_id IS NOT OLD.sender_id OR NEW.created_at IS NOT OLD.created_at OR NEW.created_rev IS NOT OLD.created_rev
                OR (OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NOT OLD.deleted_at)\(fixed)
            BEGIN
                SELECT RAISE(ABORT, 'a change to a message takes the group''s next rev, and its identity never changes');
            END
            """
    }
}
