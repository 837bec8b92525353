import ChatCore

/// Something that happened, which the real-time layer delivers to the connections concerned.
///
/// Storage emits the stored changes in commit order; `typing` never touches storage.
public enum ChatEvent: Sendable, Hashable {
    case messageCreated(Message)
    /// An edit, a deletion or a reaction change: the message as it now is.
    case messageUpdated(Message)
    /// `rev` is the join's change number (0 for a group's creator).
    case memberJoined(groupID: String, user: UserSummary, role: GroupRole, rev: Int64)
    /// The user left or was removed: they hear it too, then nothing more of the group.
    case memberRemoved(groupID: String, userID: String, reason: RemovalReason, rev: Int64)
    case memberUpdated(groupID: String, userID: String, role: GroupRole, rev: Int64)
    case groupUpdated(GroupInfo, rev: Int64)
    /// Every member hears that they were removed, and nothing more of the group.
    case groupDeleted(groupID: String)
    /// For the group's owner and admins, listed in `managers`.
    case joinRequested(JoinRequest, managers: [String])
    /// For the user who asked.
    case joinDenied(groupID: String, requestID: String, userID: String)
    case typing(groupID: String, user: UserSummary)
    /// The user's read marker in the group moved to `seq`: for the user's own connections.
    case read(userID: String, groupID: String, seq: Int64)
    /// A user came online or went offline: for the members of `groupIDs`.
    case presence(PresenceUpdate)
    /// The account's tokens before `version` ended (a password change, a sign-out everywhere), or all of them
    /// (`deleted`): every instance stops accepting them and closes the user's sockets that used them.
    case sessionsEnded(userID: String, version: Int64, deleted: Bool)

    /// The group the event belongs to; `nil` for presence, which concerns every group of the user.
    public var groupID: String? {
        switch self {
        case .messageCreated(let message), .messageUpdated(let message): message.groupId
        case .memberJoined(let groupID, _, _, _), .memberRemoved(let groupID, _, _, _), .memberUpdated(let groupID, _, _, _),
            .groupDeleted(let groupID), .joinDenied(let groupID, _, _), .typing(let groupID, _), .read(_, let groupID, _):
            groupID
        case .groupUpdated(let group, _): group.id
        case .joinRequested(let request, _): request.groupId
        case .presence, .sessionsEnded: nil
        }
    }

    /// The group's change number of a stored change, by which the hub sends each change once.
    public var rev: Int64? {
        switch self {
        case .messageCreated(let message), .messageUpdated(let message): message.rev
        case .memberJoined(_, _, _, let rev): rev > 0 ? rev : nil
        case .memberRemoved(_, _, _, let rev), .memberUpdated(_, _, _, let rev), .groupUpdated(_, let rev): rev > 0 ? rev : nil
        case .groupDeleted, .joinRequested, .joinDenied, .typing, .read, .presence, .sessionsEnded: nil
        }
    }

    /// The frame that carries this event to a client. A deleted group's frame depends on the recipient: see
    /// ``ServerEvent/MemberRemoved``.
    public var serverEvent: ServerEvent {
        switch self {
        case .messageCreated(let message): .messageNew(message)
        case .messageUpdated(let message): .messageUpdated(message)
        case .memberJoined(let groupID, let user, let role, let rev): .memberJoined(.init(groupId: groupID, user: user, role: role, rev: rev))
        case .memberRemoved(let groupID, let userID, let reason, let rev):
            .memberRemoved(.init(groupId: groupID, userId: userID, reason: reason, rev: rev))
        case .memberUpdated(let groupID, let userID, let role, let rev):
            .memberUpdated(.init(groupId: groupID, userId: userID, role: role, rev: rev))
        case .groupUpdated(let group, let rev): .groupUpdated(.init(group: group, rev: rev))
        case .groupDeleted(let groupID): .memberRemoved(.init(groupId: groupID, userId: "", reason: .groupDeleted, rev: 0))
        case .joinRequested(let request, _): .joinRequested(.init(groupId: request.groupId, request: request))
        case .joinDenied(let groupID, let requestID, _): .joinDenied(.init(groupId: groupID, requestId: requestID))
        case .typing(let groupID, let user): .typing(.init(groupId: groupID, user: user))
        case .read(_, let groupID, let seq): .read(.init(groupId: groupID, seq: seq))
        case .presence(let update): .presence(.init(userId: update.userID, status: update.status, lastSeenAt: update.lastSeenAt))
        case .sessionsEnded: .error(.init(code: "session_ended", message: Self.sessionEndedMessage))
        }
    }
}

extension ChatEvent {
    /// What a socket whose session ended hears before it closes.
    static let sessionEndedMessage =
        "This session has ended (the password was changed, every session was signed out, or the account was deleted): sign in again."
}

/// Receives events after they are durable, in commit order.
public protocol ChatEventSink: Sendable {
    /// Delivers `events`; it must not block, since storage calls it on its commit path.
    func publish(_ events: [ChatEvent])
}
