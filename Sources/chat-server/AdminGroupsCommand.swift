import ArgumentParser
import ChatCore
import ChatServer
import Foundation

extension AdminCommand {
    struct Groups: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "groups",
            abstract: "List or show groups.",
            subcommands: [List.self, Show.self]
        )
    }

    struct Stats: AdminSubcommand {
        static let configuration = CommandConfiguration(abstract: "Users, groups, messages and the database's size.")
        @OptionGroup var options: AdminOptions
        @Flag(help: "One JSON document.") var json = false

        func perform() async throws {
            let stats = try await self.options.run { repository, _ in try await repository.adminStats() }
            if self.json { return try AdminCommand.printJSON(stats) }
            AdminCommand.printFields([
                ("users", "\(stats.users) (\(stats.guests) guests, \(stats.disabledUsers) disabled; \(stats.deletedUsers) deleted)"),
                ("groups", "\(stats.groups)"), ("messages", "\(stats.messages)"),
                ("database", ByteCountFormatter.string(fromByteCount: stats.databaseBytes, countStyle: .file)),
            ])
        }
    }
}

extension AdminCommand.Groups {
    struct List: AdminSubcommand {
        static let configuration = CommandConfiguration(abstract: "Every group, by id.")
        @OptionGroup var options: AdminOptions
        @Flag(help: "One JSON document: {\"groups\": […]}.") var json = false
        @Option(help: "At most this many groups.") var limit: Int?

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func perform() async throws {
            let limit = self.limit
            let groups = try await self.options.run { repository, _ in
                try await AdminCommand.collect(limit: limit, id: \.id, page: repository.adminGroups(after:limit:))
            }
            if self.json { return try AdminCommand.printJSON(["groups": groups]) }
            AdminCommand.printTable(
                ["ID", "NAME", "MEMBERS", "MESSAGES", "LAST ACTIVITY"],
                groups.map { [$0.id, $0.name, "\($0.members)", "\($0.messages)", AdminCommand.date($0.lastActivityAt)] }
            )
        }
    }

    struct Show: AdminSubcommand {
        static let configuration = CommandConfiguration(abstract: "One group, with its owner and admins.")
        @OptionGroup var options: AdminOptions
        @Argument(help: "The group's id.") var group: String
        @Flag(help: "One JSON document.") var json = false

        func perform() async throws {
            let id = self.group
            let found = try await self.options.run { repository, _ in try await repository.adminGroup(id: id) }
            guard let found else { throw AdminFailure("no group \(TerminalText.line(id))") }
            if self.json { return try AdminCommand.printJSON(found) }
            AdminCommand.printFields(
                [
                    ("id", found.id), ("name", found.name), ("created", AdminCommand.date(found.createdAt)),
                    ("last activity", AdminCommand.date(found.lastActivityAt)), ("members", "\(found.members)"),
                    ("messages", "\(found.messages) stored, \(found.lastSeq) sent"),
                    ("retention", found.retentionDays.map { "\($0) days" } ?? "server default"),
                ] + (found.moderators ?? []).map { ($0.role, "\($0.displayName) (\($0.userID))") }
            )
        }
    }
}

extension AdminCommand {
    struct Backup: AdminSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the SQLite database to FILE while the server runs, and verify the copy.",
            discussion: """
                The copy is one consistent snapshot (VACUUM INTO) taken while the server keeps writing. It is \
                checked with PRAGMA integrity_check before it gets its name, so FILE exists only if it is \
                whole. FILE must not exist. With PostgreSQL, use pg_dump (see the README).
                """
        )
        @OptionGroup var options: AdminOptions
        @Argument(help: "The new backup file.") var file: String
        @Flag(help: "One JSON document.") var json = false

        func perform() async throws {
            let summary: SQLiteBackup.Summary
            do {
                let configuration = try await self.options.configuration()
                switch configuration.database {
                case .sqliteFile(let path):
                    summary = try await SQLiteBackup.backup(database: path, to: self.file, logger: AdminOptions.quietLogger)
                case .postgres:
                    throw AdminFailure(
                        "with PostgreSQL, back up with pg_dump: pg_dump --format=custom --file=\(self.file) \"$DATABASE_URL\" (restore with pg_restore; see the README)"
                    )
                case .sqliteMemory:
                    throw AdminFailure("DATABASE_URL is sqlite://:memory:: there is nothing on disk to back up")
                }
            } catch {
                throw AdminFailure(error)
            }
            if self.json { return try AdminCommand.printJSON(summary) }
            print(
                "Backed up to \(TerminalText.line(summary.file)): \(ByteCountFormatter.string(fromByteCount: summary.bytes, countStyle: .file)), "
                    + "\(summary.users) users, \(summary.groups) groups, \(summary.messages) messages; integrity check ok."
            )
        }
    }

    struct Restore: AdminSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a backup in place of the SQLite database (the server must be stopped).",
            discussion: """
                Refuses while a chat-server uses the database. The backup is verified first; the database it \
                replaces is kept beside it as chat.sqlite.replaced-TIMESTAMP. To restore into a new data \
                folder, pass --database-url sqlite://NEW/chat.sqlite.
                """
        )
        @OptionGroup var options: AdminOptions
        @Argument(help: "The backup file.") var file: String
        @Flag(help: "One JSON document.") var json = false

        func perform() async throws {
            let summary: SQLiteBackup.Summary
            do {
                let configuration = try await self.options.configuration()
                guard case .sqliteFile(let path) = configuration.database else {
                    throw AdminFailure("restore works on SQLite; with PostgreSQL, use pg_restore (see the README)")
                }
                summary = try await SQLiteBackup.restore(self.file, into: path, logger: AdminOptions.quietLogger)
            } catch {
                throw AdminFailure(error)
            }
            if self.json { return try AdminCommand.printJSON(summary) }
            print(
                "Restored \(TerminalText.line(self.file)) into \(TerminalText.line(summary.file)): \(summary.users) users, "
                    + "\(summary.groups) groups, \(summary.messages) messages."
            )
            if let previous = summary.previous { print("The database it replaced is kept as \(TerminalText.line(previous)).") }
        }
    }
}
