import ChatCore
import Foundation
import SQLiteNIO

/// A message as a row of the cache's `messages` table: one column a field, so that reading 10,000 of them at
/// start costs a copy each rather than a JSON decoding (dates are kept as the exact `Double` a `Date` holds).
enum MessageRow {
    static let table = """
        CREATE TABLE messages (
            group_id TEXT NOT NULL, seq INTEGER NOT NULL CHECK (seq > 0), id TEXT NOT NULL, rev INTEGER NOT NULL,
            sender_id TEXT NOT NULL, sender_name TEXT NOT NULL, text TEXT NOT NULL, created REAL NOT NULL,
            created_ms INTEGER NOT NULL, client_id TEXT, edited REAL, deleted INTEGER NOT NULL CHECK (deleted IN (0, 1)),
            deleted_at REAL, reply_id TEXT, reply_seq INTEGER, reactions_json TEXT, words TEXT NOT NULL,
            PRIMARY KEY (group_id, seq)
        ) WITHOUT ROWID
        """

    /// What ``message(_:in:)`` reads, in this order.
    static let columns =
        "id, seq, rev, sender_id, sender_name, text, created, client_id, edited, deleted, deleted_at, reply_id, reply_seq, reactions_json"

    static let insert = """
        INSERT OR REPLACE INTO messages (group_id, seq, id, rev, sender_id, sender_name, text, created, created_ms, client_id,
            edited, deleted, deleted_at, reply_id, reply_seq, reactions_json, words)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// The values for ``insert``; `words` are the text's search keys, each with a space before and after.
    static func binds(_ message: Message, encoder: JSONEncoder) throws -> [SQLiteData] {
        let words = " " + SearchText.tokens(message.text).map(\.key).joined(separator: " ") + " "
        let reactions = message.reactions.isEmpty ? nil : String(decoding: try encoder.encode(message.reactions), as: UTF8.self)
        return [
            .text(message.groupId), .integer(Int(message.seq)), .text(message.id), .integer(Int(message.rev)),
            .text(message.sender.id), .text(message.sender.displayName), .text(message.text),
            .float(message.createdAt.timeIntervalSinceReferenceDate),
            .integer(Int((message.createdAt.timeIntervalSince1970 * 1000).rounded())), Self.optional(message.clientId),
            message.editedAt.map { .float($0.timeIntervalSinceReferenceDate) } ?? .null, .integer(message.deleted ? 1 : 0),
            message.deletedAt.map { .float($0.timeIntervalSinceReferenceDate) } ?? .null, Self.optional(message.replyTo?.id),
            message.replyTo.map { .integer(Int($0.seq)) } ?? .null, Self.optional(reactions), .text(words),
        ]
    }

    /// The message of a row read with ``columns``; a row that does not fit throws (the file is damaged).
    static func message(_ values: [SQLiteData], in groupID: String, decoder: JSONDecoder) throws -> Message {
        guard values.count == 14, case .text(let id) = values[0], case .integer(let seq) = values[1], case .integer(let rev) = values[2],
            case .text(let senderID) = values[3], case .text(let senderName) = values[4], case .text(let text) = values[5],
            let created = Self.date(values[6]), case .integer(let deleted) = values[9]
        else { throw CacheRowError() }
        var replyTo: MessageRef?
        if case .text(let replyID) = values[11], case .integer(let replySeq) = values[12] { replyTo = MessageRef(id: replyID, seq: Int64(replySeq)) }
        var reactions: [Reaction] = []
        if case .text(let json) = values[13] { reactions = try decoder.decode([Reaction].self, from: Data(json.utf8)) }
        return Message(
            id: id,
            groupId: groupID,
            seq: Int64(seq),
            rev: Int64(rev),
            sender: UserSummary(id: senderID, displayName: senderName),
            text: text,
            createdAt: created,
            clientId: values[7].string,
            editedAt: Self.date(values[8]),
            deleted: deleted == 1,
            deletedAt: Self.date(values[10]),
            replyTo: replyTo,
            reactions: reactions
        )
    }

    private static func optional(_ text: String?) -> SQLiteData { text.map { .text($0) } ?? .null }

    private static func date(_ value: SQLiteData) -> Date? {
        switch value {
        case .float(let seconds): Date(timeIntervalSinceReferenceDate: seconds)
        case .integer(let seconds): Date(timeIntervalSinceReferenceDate: Double(seconds))
        default: nil
        }
    }
}

/// A cached message row that cannot be read back.
struct CacheRowError: Error, CustomStringConvertible {
    var description: String { "a cached message row does not fit the schema" }
}
