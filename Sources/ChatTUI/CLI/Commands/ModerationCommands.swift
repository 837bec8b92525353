import ArgumentParser
import ChatCore
import Foundation

/// A command that carries out one ``Moderation`` in a group and says what it did (or prints it with `--json`).
protocol ModerationCommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    var group: String { get }
    var json: Bool { get }
    var action: Moderation { get }
}

extension ModerationCommand {
    func run() async throws {
        let (api, _) = try self.global.signedIn()
        let group = try await GroupResolver.resolve(self.group, with: api)
        let outcome: ModerationOutcome
        do {
            outcome = try await self.action.perform(in: group, with: api)
        } catch let error as APIError {
            throw CLIError.api(error, server: api.baseURL)
        } catch {
            throw CLIError("\(error)")
        }
        if self.json { return try printJSON(outcome) }
        print(TerminalText.line(outcome.message))
    }
}

private let memberHelp = ArgumentHelp("The member: display name (any case) or user id.", valueName: "member")
private let groupHelp = ArgumentHelp("Group id or exact name.", valueName: "group")
private let jsonHelp = ArgumentHelp("Print {action, groupId, groupName, user, message} as JSON.")

/// `chat-tui leave GROUP`.
struct LeaveCommand: ModerationCommand {
    static let configuration = CommandConfiguration(
        commandName: "leave",
        abstract: "Leave a group (its owner must transfer it first, unless they are its last member)."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: groupHelp) var group: String
    @Flag(help: jsonHelp) var json = false
    var action: Moderation { .leave }
}

/// `chat-tui kick GROUP MEMBER`.
struct KickCommand: ModerationCommand {
    static let configuration = CommandConfiguration(
        commandName: "kick",
        abstract: "Remove a member from a group (owner or admin); they may come back with a new invite."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: groupHelp) var group: String
    @Argument(help: memberHelp) var member: String
    @Flag(help: jsonHelp) var json = false
    var action: Moderation { .kick(self.member) }
}

/// `chat-tui ban GROUP MEMBER [--reason R]`.
struct BanCommand: ModerationCommand {
    static let configuration = CommandConfiguration(
        commandName: "ban",
        abstract: "Remove a member and keep them out, invites included, until unbanned (owner or admin)."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: groupHelp) var group: String
    @Argument(help: memberHelp) var member: String
    @Option(help: "Why, shown to the group's admins.") var reason: String?
    @Flag(help: jsonHelp) var json = false
    var action: Moderation { .ban(self.member, reason: self.reason) }
}

/// `chat-tui unban GROUP USER`.
struct UnbanCommand: ModerationCommand {
    static let configuration = CommandConfiguration(commandName: "unban", abstract: "Lift a ban: the user may join again with an invite.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: groupHelp) var group: String
    @Argument(help: ArgumentHelp("The banned user: display name (any case) or user id.", valueName: "user")) var user: String
    @Flag(help: jsonHelp) var json = false
    var action: Moderation { .unban(self.user) }
}

/// `chat-tui op GROUP MEMBER`.
struct OpCommand: ModerationCommand {
    static let configuration = CommandConfiguration(commandName: "op", abstract: "Make a member an admin (the owner only).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: groupHelp) var group: String
    @Argument(help: memberHelp) var member: String
    @Flag(help: jsonHelp) var json = false
    var action: Moderation { .op(self.member) }
}

/// `chat-tui deop GROUP MEMBER`.
struct DeopCommand: ModerationCommand {
    static let configuration = CommandConfiguration(commandName: "deop", abstract: "Make an admin a plain member again (the owner only).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: groupHelp) var group: String
    @Argument(help: memberHelp) var member: String
    @Flag(help: jsonHelp) var json = false
    var action: Moderation { .deop(self.member) }
}

/// `chat-tui transfer GROUP MEMBER`.
struct TransferCommand: ModerationCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Give the group to another member (the owner only); you stay as an admin."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: groupHelp) var group: String
    @Argument(help: memberHelp) var member: String
    @Flag(help: jsonHelp) var json = false
    var action: Moderation { .transfer(self.member) }
}

/// `chat-tui rename GROUP NEW_NAME`.
struct RenameCommand: ModerationCommand {
    static let configuration = CommandConfiguration(commandName: "rename", abstract: "Rename a group (owner or admin).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: groupHelp) var group: String
    @Argument(help: ArgumentHelp("The group's new name.", valueName: "new-name")) var name: String
    @Flag(help: jsonHelp) var json = false
    var action: Moderation { .rename(self.name) }
}

/// `chat-tui requests GROUP`, `requests approve GROUP ID`, `requests deny GROUP ID`.
struct RequestsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requests",
        abstract: "List the join requests waiting in a group, or approve or deny one (owner or admin).",
        discussion: "Examples: chat-tui requests Friends; chat-tui requests approve Friends REQUEST_ID",
        subcommands: [List.self, Decide<Approve>.self, Decide<Deny>.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the join requests waiting in a group.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: groupHelp) var group: String
        @Flag(help: "Print the API's JSON ([JoinRequest]).") var json = false

        func run() async throws {
            let (api, _) = try self.global.signedIn()
            let group = try await GroupResolver.resolve(self.group, with: api)
            let requests = try await attempt(api.baseURL) { () async throws(APIError) in try await api.joinRequests(groupID: group.id) }
            if self.json { return try printJSON(requests) }
            if requests.isEmpty { return print("No join requests wait in \(TerminalText.line(group.name)).") }
            for request in requests {
                print(
                    "\(TerminalText.line(request.id))  \(TerminalText.line(request.user.displayName))  asked \(LocalTime.format(request.createdAt))"
                )
            }
        }
    }

    protocol Verdict { static var approve: Bool { get } }
    enum Approve: Verdict { static let approve = true }
    enum Deny: Verdict { static let approve = false }

    struct Decide<V: Verdict>: AsyncParsableCommand {
        static var configuration: CommandConfiguration {
            V.approve
                ? CommandConfiguration(commandName: "approve", abstract: "Let the user in.")
                : CommandConfiguration(commandName: "deny", abstract: "Turn the request down.")
        }
        @OptionGroup var global: GlobalOptions
        @Argument(help: groupHelp) var group: String
        @Argument(help: ArgumentHelp("The request's id (chat-tui requests GROUP lists them).", valueName: "request")) var request: String
        @Flag(help: "Print the API's JSON (the JoinRequest).") var json = false

        func run() async throws {
            let (api, _) = try self.global.signedIn()
            let group = try await GroupResolver.resolve(self.group, with: api)
            let decided = try await attempt(api.baseURL) { () async throws(APIError) in
                V.approve
                    ? try await api.approve(groupID: group.id, requestID: self.request)
                    : try await api.deny(groupID: group.id, requestID: self.request)
            }
            if self.json { return try printJSON(decided) }
            print(
                "\(V.approve ? "Approved" : "Denied") \(TerminalText.line(decided.user.displayName))'s request to join \(TerminalText.line(group.name))."
            )
        }
    }
}
