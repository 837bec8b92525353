import ChatCore
import Foundation

/// A moderation action on a group, typed in the UI (`/kick Bob`) or on the command line (`chat-tui kick G Bob`).
///
/// Members are named as people see them: by display name (any case) or by user id. The server decides who may
/// do what; its refusal is shown as it words it.
public enum Moderation: Hashable, Sendable {
    case leave
    case kick(String)
    case ban(String, reason: String?)
    case unban(String)
    case op(String)
    case deop(String)
    case transfer(String)
    case rename(String)

    /// Reads `/name argument`; `nil` when `name` is not a moderation command, a usage line when the argument is wrong.
    static func parse(_ name: String, _ argument: String) -> Result<Moderation, UsageError>? {
        let argument = argument.trimmingCharacters(in: .whitespaces)
        let needsName = { (usage: String, make: (String) -> Moderation) -> Result<Moderation, UsageError> in
            argument.isEmpty ? .failure(UsageError(usage)) : .success(make(argument))
        }
        switch name {
        case "/leave", "/part":
            return argument.isEmpty ? .success(.leave) : .failure(UsageError("/leave (leaves the group on screen)"))
        case "/kick": return needsName("/kick NAME", Moderation.kick)
        case "/unban": return needsName("/unban NAME", Moderation.unban)
        case "/op": return needsName("/op NAME", Moderation.op)
        case "/deop": return needsName("/deop NAME", Moderation.deop)
        case "/transfer": return needsName("/transfer NAME", Moderation.transfer)
        case "/rename": return needsName("/rename NEW NAME", Moderation.rename)
        case "/ban":
            // A display name may hold spaces: a reason follows after " -- " then, or after the first word otherwise.
            guard !argument.isEmpty else { return .failure(UsageError("/ban NAME [REASON], or /ban FULL NAME -- REASON")) }
            if let split = argument.range(of: " -- ") {
                let reason = argument[split.upperBound...].trimmingCharacters(in: .whitespaces)
                return .success(.ban(String(argument[..<split.lowerBound]), reason: reason.isEmpty ? nil : reason))
            }
            let words = argument.split(separator: " ", maxSplits: 1).map(String.init)
            return .success(.ban(words[0], reason: words.count > 1 ? words[1] : nil))
        default:
            return nil
        }
    }

    /// The action's name in `--json` output.
    var name: String {
        switch self {
        case .leave: "leave"
        case .kick: "kick"
        case .ban: "ban"
        case .unban: "unban"
        case .op: "op"
        case .deop: "deop"
        case .transfer: "transfer"
        case .rename: "rename"
        }
    }

    /// Asks the server, in `group`; returns what was done. Throws the server's refusal (`APIError`) or a
    /// name that matches no one, or several (`UsageError`).
    func perform(in group: Group, with api: APIClient) async throws -> ModerationOutcome {
        let name = "\"\(group.name)\""
        let done = { (user: UserSummary?, message: String, renamed: String?) in
            ModerationOutcome(action: self.name, groupId: group.id, groupName: renamed ?? group.name, user: user, message: message)
        }
        switch self {
        case .leave:
            try await api.leave(groupID: group.id)
            return done(nil, "You left \(name).", nil)
        case .kick(let who):
            let member = try await Self.member(who, of: group, with: api)
            try await api.kick(groupID: group.id, userID: member.id)
            return done(member, "Removed \(member.displayName) from \(name).", nil)
        case .ban(let who, let reason):
            let member = try await Self.member(who, of: group, with: api)
            try await api.ban(groupID: group.id, userID: member.id, reason: reason)
            return done(member, "Banned \(member.displayName) from \(name).", nil)
        case .unban(let who):
            let bans = try await api.bans(groupID: group.id)
            let user = try Self.pick(who, among: bans.map(\.user), in: group, kind: "banned user")
            try await api.unban(groupID: group.id, userID: user.id)
            return done(user, "Lifted the ban on \(user.displayName) in \(name).", nil)
        case .op(let who):
            let member = try await Self.member(who, of: group, with: api)
            try await api.setRole(groupID: group.id, userID: member.id, role: .admin)
            return done(member, "\(member.displayName) is now an admin of \(name).", nil)
        case .deop(let who):
            let member = try await Self.member(who, of: group, with: api)
            try await api.setRole(groupID: group.id, userID: member.id, role: .member)
            return done(member, "\(member.displayName) is no longer an admin of \(name).", nil)
        case .transfer(let who):
            let member = try await Self.member(who, of: group, with: api)
            try await api.transfer(groupID: group.id, to: member.id)
            return done(member, "\(member.displayName) now owns \(name); you are an admin.", nil)
        case .rename(let newName):
            let renamed = try await api.updateGroup(groupID: group.id, name: newName)
            return done(nil, "Renamed \(name) to \"\(renamed.name)\".", renamed.name)
        }
    }

    private static func member(_ who: String, of group: Group, with api: APIClient) async throws -> UserSummary {
        let members = try await api.allMembers(groupID: group.id)
        return try Self.pick(who, among: members.map(\.user), in: group, kind: "member")
    }

    /// The one user that `who` names: an id, or a display name in any case.
    static func pick(_ who: String, among users: [UserSummary], in group: Group, kind: String) throws(UsageError) -> UserSummary {
        if let user = users.first(where: { $0.id == who }) { return user }
        let key = who.lowercased()
        let named = users.filter { $0.displayName.lowercased() == key }
        guard let user = named.first else {
            throw UsageError("No \(kind) of \"\(group.name)\" is called \(who).")
        }
        guard named.count == 1 else {
            throw UsageError(
                "\(named.count) \(kind)s of \"\(group.name)\" are called \(who): name one by id (\(named.map(\.id).joined(separator: ", ")))."
            )
        }
        return user
    }
}

/// What a moderation action did: a sentence for people, the rest for scripts (`--json`).
struct ModerationOutcome: Encodable, Sendable {
    let action: String
    let groupId: String
    let groupName: String
    /// Whom it was done to, if anyone.
    let user: UserSummary?
    let message: String
}

/// What was wrong with a command's words, as one line for the user.
struct UsageError: Error, Equatable, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
