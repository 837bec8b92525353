import ArgumentParser
import ChatCore
import ChatServer
import Foundation
import Hummingbird
import Logging

/// `chat-server admin`: manage the configured database while the server runs.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Manage users and groups, see statistics, back up and restore, on the configured database.",
        discussion: """
            Works beside a running server: with SQLite through connections of its own (safe while the \
            server writes), with PostgreSQL as one more client. The database comes from --database-url, \
            else DATABASE_URL in the environment, else .env, else sqlite://./data/chat.sqlite, as for \
            the server. Nothing printed holds a password hash or a token.

            Exit status: 0 done, 1 refused or failed (one line on stderr), 64 bad usage.

            Examples:
              chat-server admin stats
              chat-server admin users list --json
              chat-server admin users reset-password ada@example.org
              chat-server admin users disable 0193a1b2c3d4…
              chat-server admin backup /var/backups/chat-$(date +%F).sqlite
            """,
        subcommands: [Users.self, Groups.self, Stats.self, Backup.self, Restore.self]
    )
}

/// What every admin subcommand takes.
struct AdminOptions: ParsableArguments {
    @Option(help: "sqlite://PATH or postgres://… (env DATABASE_URL).") var databaseURL: String?

    /// The configuration as the server would resolve it, with this command's `--database-url`.
    func configuration() async throws -> ServerConfiguration {
        let dotEnv = try await Environment.dotEnv()
        var values: [String: String] = [:]
        for name in ServerConfiguration.settings.map(\.name) { if let value = dotEnv.get(name) { values[name] = value } }
        return try ServerConfiguration.resolve(
            flags: (self.databaseURL ?? Self.parentDatabaseURL()).map { ["DATABASE_URL": $0] } ?? [:],
            environment: ProcessInfo.processInfo.environment,
            dotEnv: values
        )
    }

    /// `--database-url` as the server command declares it too: ArgumentParser hands the value to that parent
    /// command, so it is read from the arguments here.
    static func parentDatabaseURL(_ arguments: [String] = CommandLine.arguments) -> String? {
        for (index, argument) in arguments.enumerated() {
            if argument == "--database-url", index + 1 < arguments.count { return arguments[index + 1] }
            if argument.hasPrefix("--database-url=") { return String(argument.dropFirst("--database-url=".count)) }
        }
        return nil
    }

    /// Runs `body` on the database, turning every refusal into one line and exit status 1.
    func run<T: Sendable>(_ body: @Sendable (any AdminRepository, ServerConfiguration) async throws -> T) async throws -> T {
        do {
            let configuration = try await self.configuration()
            return try await AdminDatabase.with(configuration.database, logger: Self.quietLogger) { try await body($0, configuration) }
        } catch {
            throw AdminFailure(error)
        }
    }

    /// The admin command prints results, not logs: only problems reach stderr.
    static let quietLogger: Logger = {
        var logger = Logger(label: "chat-server-admin")
        logger.logLevel = .warning
        return logger
    }()
}

/// A refusal, said in one line (`chat-server admin: …`), exit status 1.
struct AdminFailure: Error, CustomStringConvertible {
    let description: String

    init(_ message: String) { self.description = message }

    init(_ error: any Error) {
        switch error {
        case let failure as AdminFailure: self.description = failure.description
        case let configuration as ConfigurationError: self.description = configuration.message
        default:
            let text = String(describing: error)
            self.description = text.replacingOccurrences(of: "\n", with: " ")
        }
    }
}

extension AdminCommand {
    /// Writes `value` as one JSON document on stdout.
    static func printJSON(_ value: some Encodable) throws {
        print(String(decoding: try ChatJSON.encoder.encode(value), as: UTF8.self))
    }

    /// Prints rows as aligned columns under a header; every cell made safe for the terminal.
    static func printTable(_ header: [String], _ rows: [[String]]) {
        let cells = rows.map { $0.map(TerminalText.line) }
        let widths = header.indices.map { column in ([header[column]] + cells.map { $0[column] }).map(\.count).max() ?? 0 }
        for row in [header] + cells {
            let padded = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }
            print(padded.joined(separator: "  "))
        }
    }

    /// `key: value` lines, values made safe for the terminal.
    static func printFields(_ fields: [(String, String)]) {
        let width = fields.map(\.0.count).max() ?? 0
        for (key, value) in fields {
            print(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + TerminalText.line(value))
        }
    }

    static func date(_ date: Date?) -> String { date.map(Timestamp.format) ?? "-" }

    /// Every item of a list kept in id order, in pages of 500, up to `limit` (nil: all).
    static func collect<Item>(
        limit: Int?,
        id: (Item) -> String,
        page: (_ after: String?, _ limit: Int) async throws -> [Item]
    ) async throws -> [Item] {
        let limit = limit ?? .max
        var items: [Item] = []
        while items.count < limit {
            let next = try await page(items.last.map(id), min(500, limit - items.count))
            items += next
            if next.count < 500 { break }
        }
        return items
    }
}

/// The entry point for every admin subcommand: failures are one line on stderr and status 1.
protocol AdminSubcommand: AsyncParsableCommand {
    func perform() async throws
}

extension AdminSubcommand {
    func run() async throws {
        do {
            try await self.perform()
        } catch let failure as AdminFailure {
            FileHandle.standardError.write(Data("chat-server admin: \(failure.description)\n".utf8))
            throw ExitCode.failure
        }
    }
}
