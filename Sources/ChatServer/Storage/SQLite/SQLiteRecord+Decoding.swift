import ChatCore
import ChatSQLite
import Foundation
import NIOCore
import SQLiteNIO

extension SQLiteRecord {
    /// The text in column `name`; a missing or null value means the query and the schema disagree.
    func text(_ name: String) throws -> String {
        guard let value = self.column(name)?.string else { throw SQLiteStoreError(message: "column \(name) is missing or null") }
        return value
    }

    /// The text in column `name`, or `nil` when it is null.
    func optionalText(_ name: String) -> String? {
        guard let value = self.column(name), !value.isNull else { return nil }
        return value.string
    }

    /// The integer in column `name`.
    func int(_ name: String) throws -> Int {
        guard let value = self.column(name)?.integer else { throw SQLiteStoreError(message: "column \(name) is missing or null") }
        return value
    }

    /// The millisecond timestamp in column `name`, as a date.
    func optionalInt(_ name: String) -> Int? {
        self.column(name)?.integer
    }

    func date(_ name: String) throws -> Date {
        Timestamp.date(milliseconds: Int64(try self.int(name)))
    }

    /// The millisecond timestamp in column `name`, or `nil` when it is null.
    func optionalDate(_ name: String) throws -> Date? {
        guard let value = self.column(name), !value.isNull else { return nil }
        return try self.date(name)
    }

    /// The role in column `name`.
    func role(_ name: String) throws -> GroupRole {
        guard let role = GroupRole(rawValue: try self.text(name)) else { throw SQLiteStoreError(message: "column \(name) holds an unknown role") }
        return role
    }
}

extension SQLiteData {
    /// A date bound as milliseconds since the epoch.
    static func date(_ date: Date) -> SQLiteData { .integer(Int(Timestamp.milliseconds(date))) }

    /// Raw bytes bound as a blob.
    static func bytes(_ bytes: [UInt8]) -> SQLiteData { .blob(ByteBuffer(bytes: bytes)) }

    /// A text or null.
    static func optionalText(_ text: String?) -> SQLiteData { text.map { .text($0) } ?? .null }
}
