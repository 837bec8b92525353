import ChatCore
import Foundation
import Logging
import SQLiteNIO

/// `admin backup` and `admin restore` for SQLite.
package enum SQLiteBackup {
    /// What a verified backup holds.
    package struct Summary: Codable, Sendable {
        package var file: String
        package var bytes: Int64
        package var users: Int
        package var groups: Int
        package var messages: Int
        /// The database this replaced, moved aside (restore only).
        package var previous: String?
    }

    /// Copies the live database into `destination` with `VACUUM INTO` (one consistent snapshot, while the server
    /// keeps writing), checks the copy with `PRAGMA integrity_check`, and only then gives it its name.
    package static func backup(database path: String, to destination: String, logger: Logger) async throws -> Summary {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw ConfigurationError("\(destination) exists already: choose a new file name (a backup never overwrites one)")
        }
        let folder = URL(fileURLWithPath: destination).deletingLastPathComponent().path
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw ConfigurationError("cannot write into \(folder)")
        }
        let partial = destination + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        try AdminDatabase.requireSQLiteFile(path)
        // A connection of its own, outside any transaction (VACUUM cannot run in one), waiting out the server's commits.
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        do {
            try await connection.execute("PRAGMA busy_timeout = 10000")
            try await connection.execute("VACUUM INTO ?", [.text(partial)])
            try await connection.close()
        } catch {
            try? await connection.close()
            try? FileManager.default.removeItem(atPath: partial)
            throw ConfigurationError("the backup failed: \(error)")
        }
        do {
            _ = chmod(partial, 0o600)
            let summary = try await self.verify(partial, logger: logger)
            try FileManager.default.moveItem(atPath: partial, toPath: destination)
            return Summary(file: destination, bytes: summary.bytes, users: summary.users, groups: summary.groups, messages: summary.messages)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// Puts the backup `source` in place of the database at `path`, which must not be in use by a server. The
    /// database it replaces is kept beside it, renamed, never deleted.
    package static func restore(_ source: String, into path: String, logger: Logger) async throws -> Summary {
        guard FileManager.default.fileExists(atPath: source) else { throw ConfigurationError("no backup at \(source)") }
        var summary = try await self.verify(source, logger: logger)
        try PrivateFiles.prepare(file: path, logger: logger)
        let lock = try DatabaseLock(databasePath: path, holder: "restore refuses to replace a database a server is using")
        defer { withExtendedLifetime(lock) {} }
        let incoming = path + ".restoring"
        try? FileManager.default.removeItem(atPath: incoming)
        try FileManager.default.copyItem(atPath: source, toPath: incoming)
        _ = chmod(incoming, 0o600)
        try self.flush(incoming)
        if FileManager.default.fileExists(atPath: path) {
            // Checkpointed first, so that the kept copy is whole without its -wal.
            let store = try await AdminDatabase.openSQLite(path, logger: logger)
            _ = try? await store.write { transaction in try await transaction.connection.rows("PRAGMA wal_checkpoint(TRUNCATE)") }
            await store.close()
            let stamp = Timestamp.format(Date()).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
            let previous = "\(path).replaced-\(stamp)"
            try FileManager.default.moveItem(atPath: path, toPath: previous)
            summary.previous = previous
        }
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.moveItem(atPath: incoming, toPath: path)
        summary.file = path
        return summary
    }

    /// Opens a database file read-only, checks it is whole and is chat-server's, and counts what it holds.
    static func verify(_ file: String, logger: Logger) async throws -> Summary {
        let connection = try await SQLiteConnection.open(storage: .file(path: file), logger: logger)
        do {
            try await connection.execute("PRAGMA query_only = ON")
            let check = try await connection.query("PRAGMA integrity_check").map { $0.column("integrity_check")?.string ?? "" }
            guard check == ["ok"] else {
                throw ConfigurationError("\(file) is damaged (integrity_check: \(check.prefix(3).joined(separator: "; ")))")
            }
            let known = Set(Migration.all.map(\.name))
            let applied = try await connection.query("SELECT name FROM schema_migrations").compactMap { $0.column("name")?.string }
            if let unknown = applied.first(where: { !known.contains($0) }) {
                throw ConfigurationError("\(file) has migration \(unknown), which this chat-server does not know: is it newer?")
            }
            let counts = try await connection.query(
                "SELECT (SELECT count(*) FROM users) AS u, (SELECT count(*) FROM groups) AS g, (SELECT count(*) FROM messages) AS m"
            ).first
            try await connection.close()
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
            return Summary(
                file: file,
                bytes: size,
                users: counts?.column("u")?.integer ?? 0,
                groups: counts?.column("g")?.integer ?? 0,
                messages: counts?.column("m")?.integer ?? 0
            )
        } catch let error as ConfigurationError {
            try? await connection.close()
            throw error
        } catch {
            try? await connection.close()
            throw ConfigurationError("\(file) is not a chat-server SQLite database (\(error))")
        }
    }

    private static func flush(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        _ = fsync(descriptor)
    }
}
