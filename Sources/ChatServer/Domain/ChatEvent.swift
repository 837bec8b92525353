import ChatCore

/// Something that happened, which the real-time layer delivers to the connections concerned.
///
/// Storage emits the stored changes in commit order; `typing` never touches storage.
public enum ChatEvent: Sendable, Hashable {
    case messageCreated(Message)
    /// An edit, a deletion or a reaction change: the message as it now is.
    case messageUpdated(Message)
    case memberJoined(groupID: String, user: UserSummary, role: GroupRole)
    case typing(groupID: String, user: UserSummary)
    /// The user's read marker in the group moved to `seq`: for the user's own connections.
    case read(userID: String, groupID: String, seq: Int64)
    /// A user came online or went offline: for the members of `groupIDs`.
    case presence(PresenceUpdate)

    /// The group the event belongs to; `nil` for presence, which concerns every group of the user.
    public var groupID: String? {
        switch self {
        case .messageCreated(let message), .messageUpdated(let message): message.groupId
        case .memberJoined(let groupID, _, _), .typing(let groupID, _), .read(_, let groupID, _): groupID
        case .presence: nil
        }
    }

    /// The frame that carries this event to a client.
    public var serverEvent: ServerEvent {
        switch self {
        case .messageCreated(let message): .messageNew(message)
        case .messageUpdated(let message): .messageUpdated(message)
        case .memberJoined(let groupID, let user, let role): .memberJoined(.init(groupId: groupID, user: user, role: role))
        case .typing(let groupID, let user): .typing(.init(groupId: groupID, user: user))
        case .read(_, let groupID, let seq): .read(.init(groupId: groupID, seq: seq))
        case .presence(let update): .presence(.init(userId: update.userID, status: update.status, lastSeenAt: update.lastSeenAt))
        }
    }
}

/// Receives events after they are durable, in commit order.
public protocol ChatEventSink: Sendable {
    /// Delivers `events`; it must not block, since storage calls it on its commit path.
    func publish(_ events: [ChatEvent])
}
