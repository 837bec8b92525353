import ChatCore
import ChatSQLite
import Foundation
import SQLiteNIO
import Synchronization

/// chat-tui's offline cache, `cache.sqlite` in `CHAT_HOME`: the groups, their members and newest messages, and
/// the outbox, so that the chat screen shows the last state at once (also with no server) and what was typed
/// offline survives a restart.
///
/// It mirrors ``SyncState``: ``save(_:)`` writes what changed since the last save in one transaction, and
/// keeps the newest ``messagesPerGroup`` messages of each group. A file that is damaged, of an older schema, or
/// of another account or server is deleted and built again; the cache is never worth a crash.
package final class ClientCache: Sendable {
    /// Bumped when the tables change: an older file is rebuilt, not migrated (it only holds copies).
    static let schemaVersion = 2
    package static let fileName = "cache.sqlite"
    /// The most messages kept per group, the newest.
    let messagesPerGroup: Int

    let url: URL
    let connection: NativeSQLiteConnection
    /// What the file holds, as last written: a save writes only the difference.
    let written = Mutex(CacheMarks())

    private init(url: URL, connection: NativeSQLiteConnection, messagesPerGroup: Int) {
        self.url = url
        self.connection = connection
        self.messagesPerGroup = messagesPerGroup
    }

    /// Opens the cache of `session` in `directory`, rebuilding it when it cannot be used as it is. Throws only
    /// when not even a new file can be made (a read-only folder, a full disk).
    package static func open(in directory: URL, for session: Session, messagesPerGroup: Int = 1000) throws -> ClientCache {
        let url = directory.appendingPathComponent(Self.fileName)
        let owner = "\(session.server) \(session.user.id)"
        if let cache = try? Self.openExisting(url, owner: owner, messagesPerGroup: messagesPerGroup) { return cache }
        Self.delete(in: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let connection = try NativeSQLiteConnection(path: url.path)
        do {
            try Self.configure(connection)
            try connection.run("BEGIN IMMEDIATE")
            for statement in CacheSchema.statements { try connection.run(statement) }
            try connection.run("INSERT INTO meta (key, value) VALUES ('owner', ?)", [.text(owner)])
            try connection.run("PRAGMA user_version = \(Self.schemaVersion)")
            try connection.run("COMMIT")
        } catch {
            connection.close()
            throw error
        }
        chmod(url.path, 0o600)
        return ClientCache(url: url, connection: connection, messagesPerGroup: messagesPerGroup)
    }

    /// The cache of `session` as it is, to read (`chat-tui search` with no server), or `nil` when there is
    /// none that fits; unlike ``open(in:for:messagesPerGroup:)`` it never deletes or creates a file.
    static func existing(in directory: URL, for session: Session) -> ClientCache? {
        let url = directory.appendingPathComponent(Self.fileName)
        return try? Self.openExisting(url, owner: "\(session.server) \(session.user.id)", messagesPerGroup: 1000)
    }

    /// The file as it is, if its schema and owner are the expected ones and SQLite can read it.
    private static func openExisting(_ url: URL, owner: String, messagesPerGroup: Int) throws -> ClientCache? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let connection = try NativeSQLiteConnection(path: url.path)
        do {
            try Self.configure(connection)
            let version = try connection.run("PRAGMA user_version").first?.values.first
            let stored = try connection.run("SELECT value FROM meta WHERE key = 'owner'").first?.values.first
            guard case .integer(Self.schemaVersion) = version, case .text(owner) = stored else {
                connection.close()
                return nil
            }
        } catch {
            connection.close()
            throw error
        }
        return ClientCache(url: url, connection: connection, messagesPerGroup: messagesPerGroup)
    }

    private static func configure(_ connection: NativeSQLiteConnection) throws {
        try connection.run("PRAGMA busy_timeout = 2000")
        // WAL with NORMAL: a crash of chat-tui loses nothing committed; only a power cut may lose the last save.
        try connection.run("PRAGMA journal_mode = WAL")
        try connection.run("PRAGMA synchronous = NORMAL")
    }

    /// Deletes the cache of `directory` (`chat-tui logout`, or a file that cannot be used).
    @discardableResult
    static func delete(in directory: URL) -> Bool {
        let base = directory.appendingPathComponent(Self.fileName).path
        var deleted = false
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: base + suffix) {
            deleted = (try? FileManager.default.removeItem(atPath: base + suffix)) != nil || deleted
        }
        return deleted
    }

    package func close() { self.connection.close() }

    // MARK: Reading

    /// What the cache holds, for ``SyncMachine/init(me:restoring:)``. A damaged file gives `nil` (and is
    /// rebuilt on the next open), never a crash.
    func load() -> SyncSnapshot? {
        do {
            let decoder = ChatJSON.decoder
            var marks = CacheMarks()
            var groups: [SyncSnapshot.CachedGroup] = []
            let rows = try self.connection.run(
                "SELECT id, loaded, rev, read_seq, group_json, members_json FROM groups ORDER BY position"
            )
            for row in rows {
                guard case .text(let id) = row.column("id"), case .text(let json) = row.column("group_json") else { continue }
                let group = try decoder.decode(Group.self, from: Data(json.utf8))
                let members = try row.column("members_json")?.string.map { try decoder.decode([Member].self, from: Data($0.utf8)) }
                var messages: [Message] = []
                let rows = try self.connection.run("SELECT \(MessageRow.columns) FROM messages WHERE group_id = ? ORDER BY seq", [.text(id)])
                messages.reserveCapacity(rows.count)
                for row in rows {
                    let decoded = try MessageRow.message(row.values, in: id, decoder: decoder)
                    // Only a contiguous run is a timeline: a hole (which a sound file never has) drops what lies before it.
                    if let last = messages.last, decoded.seq != last.seq + 1 { messages.removeAll() }
                    messages.append(decoded)
                }
                let cached = SyncSnapshot.CachedGroup(
                    group: group,
                    loaded: row.column("loaded")?.integer == 1,
                    messages: messages,
                    rev: Int64(row.column("rev")?.integer ?? 0),
                    readSeq: Int64(row.column("read_seq")?.integer ?? 0),
                    members: members
                )
                groups.append(cached)
                marks.record(cached)
            }
            let outbox = try self.connection.run(
                "SELECT client_id, group_id, text, created_ms, failure, attempts, reply_to FROM outbox ORDER BY position"
            ).compactMap(Self.outgoing)
            marks.outbox = outbox
            self.written.withLock { $0 = marks }
            return SyncSnapshot(groups: groups, outbox: outbox)
        } catch {
            return nil
        }
    }

    /// The cached groups alone, in order, without reading their messages (`chat-tui search` with no server).
    func groups() -> [Group] {
        let rows = (try? self.connection.run("SELECT group_json FROM groups ORDER BY position")) ?? []
        return rows.compactMap { row in row.values.first?.string.flatMap { try? ChatJSON.decoder.decode(Group.self, from: Data($0.utf8)) } }
    }

    private static func outgoing(_ row: SQLiteRecord) -> OutgoingMessage? {
        guard let clientID = row.column("client_id")?.string, let groupID = row.column("group_id")?.string,
            let text = row.column("text")?.string, let created = row.column("created_ms")?.integer
        else { return nil }
        return OutgoingMessage(
            clientId: clientID,
            groupId: groupID,
            text: text,
            createdAt: Date(timeIntervalSince1970: Double(created) / 1000),
            status: row.column("failure")?.string.map { .failed($0) } ?? .queued,
            attempts: Int(row.column("attempts")?.integer ?? 0),
            replyTo: row.column("reply_to")?.string
        )
    }
}
