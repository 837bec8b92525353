import ChatCore

/// Something that happened, which the real-time layer delivers to the connections concerned.
///
/// Storage emits `messageCreated` and `memberJoined` in commit order; `typing` never touches storage.
public enum ChatEvent: Sendable, Hashable {
    case messageCreated(Message)
    case memberJoined(groupID: String, user: UserSummary, role: GroupRole)
    case typing(groupID: String, user: UserSummary)

    /// The group the event belongs to.
    public var groupID: String {
        switch self {
        case .messageCreated(let message): message.groupId
        case .memberJoined(let groupID, _, _): groupID
        case .typing(let groupID, _): groupID
        }
    }

    /// The frame that carries this event to a client.
    public var serverEvent: ServerEvent {
        switch self {
        case .messageCreated(let message): .messageNew(message)
        case .memberJoined(let groupID, let user, let role): .memberJoined(.init(groupId: groupID, user: user, role: role))
        case .typing(let groupID, let user): .typing(.init(groupId: groupID, user: user))
        }
    }
}

/// Receives events after they are durable, in commit order.
public protocol ChatEventSink: Sendable {
    /// Delivers `events`; it must not block, since storage calls it on its commit path.
    func publish(_ events: [ChatEvent])
}
