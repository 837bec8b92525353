import ArgumentParser
import ChatCore
import Foundation

/// `chat-tui groups`.
struct GroupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "groups", abstract: "List your groups, most recently active first.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the API's JSON ([Group]).") var json = false

    func run() async throws {
        let (api, _) = try self.global.signedIn()
        let groups = try await attempt(api.baseURL) { () async throws(APIError) in try await api.groups() }
        if self.json { return try printJSON(groups) }
        if groups.isEmpty { return print("No groups yet: chat-tui create NAME, or chat-tui join INVITE") }
        let names = groups.map { TerminalText.line($0.name) }
        let width = min(40, names.map { DisplayWidth.of($0) }.max() ?? 4)
        for (group, name) in zip(groups, names) {
            let name = DisplayWidth.pad(DisplayWidth.truncate(name, to: width), to: width)
            let members = group.memberCount == 1 ? "1 member" : "\(group.memberCount) members"
            print("\(name)  \(TerminalText.line(group.id))  \(group.role.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0))  \(members)")
        }
    }
}

/// `chat-tui create`.
struct CreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a group and print its id.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The group's name (1–100 characters).") var name: String
    @Flag(help: "Print the API's JSON (the Group) instead of its id.") var json = false

    func run() async throws {
        let (api, _) = try self.global.signedIn()
        let group = try await attempt(api.baseURL) { () async throws(APIError) in try await api.createGroup(name: self.name) }
        if self.json { return try printJSON(group) }
        print(TerminalText.line(group.id))
    }
}

/// `chat-tui invite`.
struct InviteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invite",
        abstract: "Create an invite: print its QR code, then its URL.",
        discussion: "GROUP is a group id or its exact name. Example: chat-tui invite Friends --hours 48 --uses 5"
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Group id or exact name.") var group: String
    @Option(help: "Hours until it expires (more than 0, at most 720; default 24).") var hours: Double?
    @Option(help: "How many people can join with it (1–1000; default 1).") var uses: Int?
    @Flag(help: "Joining with it asks the owner or an admin first (chat-tui requests GROUP).") var approval = false
    @Flag(help: "Print the API's JSON (the Invite, its url included) instead of the QR code.") var json = false

    func run() async throws {
        let (api, _) = try self.global.signedIn()
        let group = try await GroupResolver.resolve(self.group, with: api)
        let invite = try await attempt(api.baseURL) { () async throws(APIError) in
            try await api.createInvite(groupID: group.id, expiresInHours: self.hours, uses: self.uses, requireApproval: self.approval ? true : nil)
        }
        if self.json { return try printJSON(invite) }
        let colors = Terminal.isTTY(STDOUT_FILENO) && !Terminal.noColor()
        if let code = try? QRCode(encoding: invite.url, ecc: .medium) {
            FileHandle.standardOutput.write(Data(QRRenderer(colors: colors).render(code).utf8))
        }
        print(TerminalText.line(invite.url))
    }
}

/// `chat-tui join`.
struct JoinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "join", abstract: "Join a group with an invite token or URL.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The invite's token, or its URL (…/join/TOKEN).") var invite: String
    @Flag(help: "Print the API's JSON ({group} when joined, {request} when the group approves joins).") var json = false

    func run() async throws {
        let (api, _) = try self.global.signedIn()
        let answer = try await attempt(api.baseURL) { () async throws(APIError) in try await api.acceptInvite(self.invite) }
        if self.json { return try printJSON(answer) }
        if let group = answer.group {
            print("Joined \(TerminalText.line(group.name)) (\(TerminalText.line(group.id)))")
        } else if let request = answer.request {
            print("Asked to join (request \(TerminalText.line(request.id))): the group's owner or an admin must approve.")
        }
    }
}

/// Finds a group by id or exact name.
enum GroupResolver {
    static func resolve(_ idOrName: String, with api: APIClient) async throws(CLIError) -> Group {
        let groups = try await attempt(api.baseURL) { () async throws(APIError) in try await api.groups() }
        return try self.resolve(idOrName, among: groups)
    }

    static func resolve(_ idOrName: String, among groups: [Group]) throws(CLIError) -> Group {
        if let group = groups.first(where: { $0.id == idOrName }) { return group }
        let named = groups.filter { $0.name == idOrName }
        switch named.count {
        case 1: return named[0]
        case 0: throw CLIError("no group \"\(idOrName)\" among yours (chat-tui groups lists them)")
        default: throw CLIError("\(named.count) of your groups are named \"\(idOrName)\"; use the id (chat-tui groups)")
        }
    }
}

/// Prints a value as the API's JSON, on one line.
func printJSON(_ value: some Encodable) throws {
    FileHandle.standardOutput.write(try ChatJSON.encoder.encode(value) + Data("\n".utf8))
}
