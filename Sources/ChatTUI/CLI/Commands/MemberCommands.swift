import ArgumentParser
import ChatCore
import Foundation

/// `chat-tui whoami`.
struct WhoAmICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show the signed-in account, as the server knows it.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the API's JSON (the User).") var json = false

    func run() async throws {
        let (api, _) = try self.global.signedIn()
        let user = try await attempt(api.baseURL) { () async throws(APIError) in try await api.me() }
        if self.json { return try printJSON(user) }
        let kind = user.isGuest ? "guest" : TerminalText.line(user.email ?? "")
        print("\(TerminalText.line(user.displayName)) (\(kind)), id \(TerminalText.line(user.id)), on \(api.baseURL)")
    }
}

/// `chat-tui members`.
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members",
        abstract: "List a group's members: name, role, and online or when last seen."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Group id or exact name.") var group: String
    @Flag(help: "Print the API's JSON ([MemberPresence]).") var json = false

    func run() async throws {
        let (api, _) = try self.global.signedIn()
        let group = try await GroupResolver.resolve(self.group, with: api)
        let members = try await attempt(api.baseURL) { () async throws(APIError) in try await api.allMembers(groupID: group.id) }
        if self.json { return try printJSON(members) }
        let names = members.map { TerminalText.line($0.user.displayName) }
        let width = min(40, names.map { DisplayWidth.of($0) }.max() ?? 4)
        for (member, name) in zip(members, names) {
            let name = DisplayWidth.pad(DisplayWidth.truncate(name, to: width), to: width)
            let role = member.role.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
            let presence =
                member.presence.status == .online
                ? "online" : member.presence.lastSeenAt.map { "last seen \(LocalTime.format($0))" } ?? "never seen"
            print("\(name)  \(role)  \(presence)")
        }
    }
}

/// `chat-tui invites`: a group's live invites, and `invites revoke`.
struct InvitesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invites",
        abstract: "List a group's invites, or revoke one.",
        discussion: "Examples: chat-tui invites Friends; chat-tui invites revoke Friends INVITE_ID",
        subcommands: [List.self, Revoke.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a group's invites (its owner and admins).")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Group id or exact name.") var group: String
        @Flag(help: "Print the API's JSON ([InviteSummary]).") var json = false

        func run() async throws {
            let (api, _) = try self.global.signedIn()
            let group = try await GroupResolver.resolve(self.group, with: api)
            let invites = try await attempt(api.baseURL) { () async throws(APIError) in try await api.invites(groupID: group.id) }
            if self.json { return try printJSON(invites) }
            if invites.isEmpty { return print("No invites: chat-tui invite \"\(TerminalText.line(group.name))\" makes one") }
            for invite in invites {
                let approval = invite.requireApproval ? ", approval needed" : ""
                print(
                    "\(TerminalText.line(invite.id))  \(invite.uses)/\(invite.maxUses) used  expires \(LocalTime.format(invite.expiresAt))  "
                        + "by \(TerminalText.line(invite.createdBy.displayName))\(approval)"
                )
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke an invite: its link stops working at once.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Group id or exact name.") var group: String
        @Argument(help: "The invite's id (chat-tui invites GROUP lists them).") var invite: String

        func run() async throws {
            let (api, _) = try self.global.signedIn()
            let group = try await GroupResolver.resolve(self.group, with: api)
            try await attempt(api.baseURL) { () async throws(APIError) in try await api.revokeInvite(groupID: group.id, inviteID: self.invite) }
            print("Revoked invite \(TerminalText.line(self.invite)) of \(TerminalText.line(group.name))")
        }
    }
}
