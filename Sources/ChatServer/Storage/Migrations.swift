/// One schema change, written for each backend under one name.
///
/// Migrations are applied in order and recorded by name in `schema_migrations`. Only ever append to
/// ``Migration/all``: a name, once released, never changes meaning.
struct Migration: Sendable {
    let name: String
    let sqlite: [String]
    let postgres: [String]

    static let all: [Migration] = [
        createUsers, createGroups, createInvites, createMessages, changeFeed, moderation, search, retention, accounts, quotas,
        accountDisabling,
    ]

    static let createUsers = Migration(
        name: "0001_create_users",
        sqlite: [
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY NOT NULL,
                display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 64),
                email TEXT CHECK (email IS NULL OR length(email) BETWEEN 3 AND 254),
                email_key TEXT UNIQUE,
                password_hash TEXT,
                is_guest INTEGER NOT NULL CHECK (is_guest IN (0, 1)),
                created_at INTEGER NOT NULL,
                CHECK ((is_guest = 1 AND email IS NULL AND email_key IS NULL AND password_hash IS NULL)
                    OR (is_guest = 0 AND email IS NOT NULL AND email_key IS NOT NULL AND password_hash IS NOT NULL))
            ) STRICT
            """
        ],
        postgres: [
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY,
                display_name TEXT NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 64),
                email TEXT CHECK (email IS NULL OR char_length(email) BETWEEN 3 AND 254),
                email_key TEXT UNIQUE,
                password_hash TEXT,
                is_guest BOOLEAN NOT NULL,
                created_at BIGINT NOT NULL,
                CHECK ((is_guest AND email IS NULL AND email_key IS NULL AND password_hash IS NULL)
                    OR (NOT is_guest AND email IS NOT NULL AND email_key IS NOT NULL AND password_hash IS NOT NULL))
            )
            """
        ]
    )

    static let createGroups = Migration(
        name: "0002_create_groups",
        sqlite: [
            """
            CREATE TABLE groups (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
                created_by TEXT NOT NULL REFERENCES users(id),
                created_at INTEGER NOT NULL,
                last_seq INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
                last_activity_at INTEGER NOT NULL
            ) STRICT
            """,
            """
            CREATE TABLE memberships (
                group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
                joined_at INTEGER NOT NULL,
                PRIMARY KEY (group_id, user_id)
            ) STRICT, WITHOUT ROWID
            """,
            "CREATE INDEX memberships_by_user ON memberships (user_id, group_id)",
        ],
        postgres: [
            """
            CREATE TABLE groups (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
                created_by TEXT NOT NULL REFERENCES users(id),
                created_at BIGINT NOT NULL,
                last_seq BIGINT NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
                last_activity_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE memberships (
                group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
                joined_at BIGINT NOT NULL,
                PRIMARY KEY (group_id, user_id)
            )
            """,
            "CREATE INDEX memberships_by_user ON memberships (user_id, group_id)",
        ]
    )

    static let createInvites = Migration(
        name: "0003_create_invites",
        sqlite: [
            """
            CREATE TABLE invites (
                id TEXT PRIMARY KEY NOT NULL,
                group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
                created_by TEXT NOT NULL REFERENCES users(id),
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL CHECK (expires_at > created_at),
                max_uses INTEGER NOT NULL CHECK (max_uses BETWEEN 1 AND 1000),
                uses INTEGER NOT NULL DEFAULT 0 CHECK (uses BETWEEN 0 AND max_uses),
                revoked_at INTEGER
            ) STRICT
            """,
            "CREATE INDEX invites_by_group ON invites (group_id, expires_at)",
        ],
        postgres: [
            """
            CREATE TABLE invites (
                id TEXT PRIMARY KEY,
                group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                token_hash BYTEA NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
                created_by TEXT NOT NULL REFERENCES users(id),
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL CHECK (expires_at > created_at),
                max_uses INTEGER NOT NULL CHECK (max_uses BETWEEN 1 AND 1000),
                uses INTEGER NOT NULL DEFAULT 0 CHECK (uses BETWEEN 0 AND max_uses),
                revoked_at BIGINT
            )
            """,
            "CREATE INDEX invites_by_group ON invites (group_id, expires_at)",
        ]
    )

    /// Messages are keyed by `(group_id, seq)`, so pages are range scans of the primary key. A trigger
    /// refuses any `seq` other than the one the same transaction just took from `groups.last_seq`.
    static let createMessages = Migration(
        name: "0004_create_messages",
        sqlite: [
            """
            CREATE TABLE messages (
                group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                seq INTEGER NOT NULL CHECK (seq >= 1),
                id TEXT NOT NULL UNIQUE,
                sender_id TEXT NOT NULL REFERENCES users(id),
                text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 4000),
                client_id TEXT CHECK (client_id IS NULL OR length(client_id) BETWEEN 1 AND 64),
                created_at INTEGER NOT NULL,
                PRIMARY KEY (group_id, seq)
            ) STRICT, WITHOUT ROWID
            """,
            "CREATE UNIQUE INDEX messages_by_client_id ON messages (sender_id, client_id) WHERE client_id IS NOT NULL",
            """
            CREATE TRIGGER messages_seq_is_next BEFORE INSERT ON messages
            WHEN NEW.seq IS NOT (SELECT last_seq FROM groups WHERE id = NEW.group_id)
            BEGIN
                SELECT RAISE(ABORT, 'messages.seq must equal the group''s freshly incremented last_seq');
            END
            """,
        ],
        postgres: [
            """
            CREATE TABLE messages (
                group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                seq BIGINT NOT NULL CHECK (seq >= 1),
                id TEXT NOT NULL UNIQUE,
                sender_id TEXT NOT NULL REFERENCES users(id),
                text TEXT NOT NULL CHECK (char_length(text) BETWEEN 1 AND 4000),
                client_id TEXT CHECK (client_id IS NULL OR char_length(client_id) BETWEEN 1 AND 64),
                created_at BIGINT NOT NULL,
                PRIMARY KEY (group_id, seq)
            )
            """,
            "CREATE UNIQUE INDEX messages_by_client_id ON messages (sender_id, client_id) WHERE client_id IS NOT NULL",
            """
            CREATE FUNCTION messages_seq_is_next() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.seq IS DISTINCT FROM (SELECT last_seq FROM groups WHERE id = NEW.group_id) THEN
                    RAISE EXCEPTION 'messages.seq must equal the group''s freshly incremented last_seq';
                END IF;
                RETURN NEW;
            END
            $$
            """,
            """
            CREATE TRIGGER messages_seq_is_next BEFORE INSERT ON messages
            FOR EACH ROW EXECUTE FUNCTION messages_seq_is_next()
            """,
        ]
    )
}
