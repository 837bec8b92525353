import ChatCore
import ChatSQLite
import Foundation
import SQLiteNIO

/// The cache's tables: copies of the server's models (messages a column a field, see ``MessageRow``; groups and
/// members as JSON), with the columns that ordering, trimming and the offline search need.
enum CacheSchema {
    static let statements = [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
        """
        CREATE TABLE groups (
            id TEXT PRIMARY KEY, position INTEGER NOT NULL, loaded INTEGER NOT NULL CHECK (loaded IN (0, 1)),
            rev INTEGER NOT NULL, read_seq INTEGER NOT NULL, group_json TEXT NOT NULL, members_json TEXT
        ) WITHOUT ROWID
        """,
        MessageRow.table,
        "CREATE INDEX messages_by_time ON messages (created_ms)",
        """
        CREATE TABLE outbox (
            position INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE, group_id TEXT NOT NULL, text TEXT NOT NULL,
            created_ms INTEGER NOT NULL, failure TEXT, attempts INTEGER NOT NULL, reply_to TEXT
        )
        """,
    ]
}

/// What the file holds, as last written: a save writes only the difference.
struct CacheMarks: Sendable {
    struct GroupRow: Hashable, Sendable {
        var position: Int
        var cached: SyncSnapshot.CachedGroup
    }

    var groups: [String: GroupRow] = [:]
    /// The `rev` of each message row, by group and `seq`.
    var messages: [String: [Int64: Int64]] = [:]
    var outbox: [OutgoingMessage] = []

    mutating func record(_ cached: SyncSnapshot.CachedGroup) {
        var row = cached
        row.messages = []
        self.groups[cached.group.id] = GroupRow(position: self.groups.count, cached: row)
        self.messages[cached.group.id] = Dictionary(cached.messages.map { ($0.seq, $0.rev) }, uniquingKeysWith: max)
    }
}

extension ClientCache {
    /// Writes what changed in `state` since the last save, in one transaction: a failed save (a full disk)
    /// leaves the file as it was, and the next save tries again.
    package func save(_ state: SyncState) {
        let snapshot = SyncSnapshot(state, limit: self.messagesPerGroup)
        self.written.withLock { marks in
            var next = marks
            do {
                try self.connection.run("BEGIN IMMEDIATE")
                try self.write(snapshot, marks: &next)
                try self.connection.run("COMMIT")
                marks = next
            } catch {
                if self.connection.inTransaction { _ = try? self.connection.run("ROLLBACK") }
            }
        }
    }

    private func write(_ snapshot: SyncSnapshot, marks: inout CacheMarks) throws {
        let encoder = ChatJSON.encoder
        let present = Set(snapshot.groups.map(\.group.id))
        for gone in marks.groups.keys where !present.contains(gone) {
            try self.connection.run("DELETE FROM groups WHERE id = ?", [.text(gone)])
            try self.connection.run("DELETE FROM messages WHERE group_id = ?", [.text(gone)])
            marks.groups[gone] = nil
            marks.messages[gone] = nil
        }
        for (position, cached) in snapshot.groups.enumerated() {
            let id = cached.group.id
            var header = cached
            header.messages = []
            let row = CacheMarks.GroupRow(position: position, cached: header)
            if marks.groups[id] != row {
                let members = try cached.members.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
                try self.connection.run(
                    """
                    INSERT OR REPLACE INTO groups (id, position, loaded, rev, read_seq, group_json, members_json)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(id), .integer(position), .integer(cached.loaded ? 1 : 0), .integer(Int(cached.rev)),
                        .integer(Int(cached.readSeq)), .text(String(decoding: try encoder.encode(cached.group), as: UTF8.self)),
                        members.map { .text($0) } ?? .null,
                    ]
                )
                marks.groups[id] = row
            }
            try self.writeMessages(cached, marks: &marks, encoder: encoder)
        }
        if marks.outbox != snapshot.outbox {
            try self.connection.run("DELETE FROM outbox")
            for (position, message) in snapshot.outbox.enumerated() {
                var failure: SQLiteData = .null
                if case .failed(let reason) = message.status { failure = .text(reason) }
                try self.connection.run(
                    """
                    INSERT INTO outbox (position, client_id, group_id, text, created_ms, failure, attempts, reply_to)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .integer(position), .text(message.clientId), .text(message.groupId), .text(message.text),
                        .integer(Int(message.createdAt.timeIntervalSince1970 * 1000)), failure, .integer(message.attempts),
                        message.replyTo.map { .text($0) } ?? .null,
                    ]
                )
            }
            marks.outbox = snapshot.outbox
        }
    }

    /// The group's rows become its newest messages: older rows go (the bound), changed ones are written again.
    private func writeMessages(_ cached: SyncSnapshot.CachedGroup, marks: inout CacheMarks, encoder: JSONEncoder) throws {
        let id = cached.group.id
        var held = marks.messages[id] ?? [:]
        let first = cached.messages.first?.seq ?? Int64.max
        let last = cached.messages.last?.seq ?? 0
        if held.keys.contains(where: { $0 < first || $0 > last }) {
            try self.connection.run(
                "DELETE FROM messages WHERE group_id = ? AND (seq < ? OR seq > ?)",
                [.text(id), .integer(Int(first)), .integer(Int(last))]
            )
            held = held.filter { $0.key >= first && $0.key <= last }
        }
        for message in cached.messages where held[message.seq] != message.rev {
            try self.connection.run(MessageRow.insert, try MessageRow.binds(message, encoder: encoder))
            held[message.seq] = message.rev
        }
        marks.messages[id] = held
    }

    /// The offline `/search`: the cached messages that match `query`, newest first, with the matches marked.
    func search(_ query: SearchQuery, groupID: String? = nil, limit: Int = 50) -> [SearchHit] {
        guard query.canMatch else { return [] }
        // Each required term's first word narrows the rows in SQL; the query's own rules decide.
        var conditions = ["deleted = 0"]
        var binds: [SQLiteData] = []
        for term in query.required {
            guard let word = term.words.first.map(SearchText.key) else { continue }
            conditions.append("instr(words, ?) > 0")
            binds.append(.text(" " + word))
        }
        if let groupID {
            conditions.append("group_id = ?")
            binds.append(.text(groupID))
        }
        let sql = """
            SELECT group_id, \(MessageRow.columns) FROM messages WHERE \(conditions.joined(separator: " AND "))
            ORDER BY created_ms DESC, seq DESC
            """
        guard let rows = try? self.connection.run(sql, binds) else { return [] }
        let decoder = ChatJSON.decoder
        var hits: [SearchHit] = []
        for row in rows {
            guard let groupID = row.values.first?.string,
                let message = try? MessageRow.message(Array(row.values.dropFirst()), in: groupID, decoder: decoder),
                query.matches(message.text)
            else { continue }
            hits.append(SearchHit(message: message, highlights: query.highlights(in: message.text)))
            if hits.count == limit { break }
        }
        return hits
    }
}
