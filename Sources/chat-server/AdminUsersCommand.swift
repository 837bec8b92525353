import ArgumentParser
import ChatCore
import ChatServer
import Foundation

extension AdminCommand {
    struct Users: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "users",
            abstract: "List, show, reset the password of, disable or enable accounts.",
            subcommands: [List.self, Show.self, ResetPassword.self, Disable.self, Enable.self]
        )
    }
}

extension AdminCommand.Users {
    struct List: AdminSubcommand {
        static let configuration = CommandConfiguration(abstract: "Every account, oldest id first (deleted ones included, marked).")
        @OptionGroup var options: AdminOptions
        @Flag(help: "One JSON document: {\"users\": […]}.") var json = false
        @Option(help: "At most this many accounts.") var limit: Int?

        func validate() throws {
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        }

        func perform() async throws {
            let limit = self.limit
            let users = try await self.options.run { repository, _ in
                try await AdminCommand.collect(limit: limit, id: \.id, page: repository.adminUsers(after:limit:))
            }
            if self.json { return try AdminCommand.printJSON(["users": users]) }
            AdminCommand.printTable(
                ["ID", "NAME", "EMAIL", "GROUPS", "CREATED", "STATE"],
                users.map { [$0.id, $0.displayName, $0.email ?? "(guest)", "\($0.groups)", AdminCommand.date($0.createdAt), $0.state] }
            )
        }
    }

    struct Show: AdminSubcommand {
        static let configuration = CommandConfiguration(abstract: "One account, by id or email.")
        @OptionGroup var options: AdminOptions
        @Argument(help: "The account's id or email.") var user: String
        @Flag(help: "One JSON document.") var json = false

        func perform() async throws {
            let user = self.user
            let found = try await self.options.run { repository, _ in try await repository.adminUser(idOrEmail: user) }
            guard let found else { throw AdminFailure("no account \(TerminalText.line(user))") }
            if self.json { return try AdminCommand.printJSON(found) }
            AdminCommand.printFields([
                ("id", found.id), ("name", found.displayName), ("email", found.email ?? "(guest)"), ("state", found.state),
                ("created", AdminCommand.date(found.createdAt)), ("last seen", AdminCommand.date(found.lastSeenAt)),
                ("groups", "\(found.groups)"), ("messages", found.messages.map { "\($0)" } ?? "-"),
            ])
        }
    }

    struct ResetPassword: AdminSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Give an account a new password, and end every session of it.",
            discussion: """
                Prints a new random password once (it is stored only as a bcrypt hash), or with --stdin sets \
                the one read from standard input (8 characters or more, at most 72 bytes). Every token of the \
                account stops working, on every instance; its WebSockets are closed with 4001.
                """
        )
        @OptionGroup var options: AdminOptions
        @Argument(help: "The account's email.") var email: String
        @Flag(help: "Read the new password from standard input instead of making one.") var stdin = false

        func perform() async throws {
            let password: String
            if self.stdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw AdminFailure("no password on standard input") }
                password = line
            } else {
                password = AdminPassword.random()
            }
            let email = self.email
            let account = try await self.options.run { repository, configuration in
                try await AdminPassword.reset(email: email, to: password, cost: configuration.bcryptCost, in: repository)
            }
            if self.stdin {
                print("The password of \(TerminalText.line(account)) is set; every session of the account has ended.")
            } else {
                print("New password for \(TerminalText.line(account)) (shown once): \(password)")
                print("Every session of the account has ended.")
            }
        }
    }

    struct Disable: AdminSubcommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable an account: its tokens stop working at once and it cannot sign in.",
            discussion: "Its WebSockets are closed with 4001 within a second. `users enable` undoes it."
        )
        @OptionGroup var options: AdminOptions
        @Argument(help: "The account's id or email.") var user: String

        func perform() async throws {
            let user = self.user
            let name = try await self.options.run { repository, _ in try await AdminAccounts.setDisabled(user, true, in: repository) }
            print("Disabled \(TerminalText.line(name)): its sessions have ended and it cannot sign in.")
        }
    }

    struct Enable: AdminSubcommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account again (it signs in anew).")
        @OptionGroup var options: AdminOptions
        @Argument(help: "The account's id or email.") var user: String

        func perform() async throws {
            let user = self.user
            let name = try await self.options.run { repository, _ in try await AdminAccounts.setDisabled(user, false, in: repository) }
            print("Enabled \(TerminalText.line(name)): it may sign in again.")
        }
    }
}

extension AdminUser {
    /// `active`, `disabled` or `deleted`.
    var state: String { self.deletedAt != nil ? "deleted" : self.disabledAt != nil ? "disabled" : "active" }
}
