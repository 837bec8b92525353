import Foundation

/// What happened: input to ``SyncMachine``.
public enum SyncEvent: Sendable, Hashable {
    /// The user's group list, from `GET /groups`.
    case groupsLoaded([Group])
    case connection(ConnectionState)
    /// `ready` from a (re)connection.
    case ready(ServerEvent.Ready)
    /// A live server event, received at the given time.
    case server(ServerEvent, at: Date)
    /// A page of the group's change feed, asked for by ``SyncAction/fetchChanges(groupId:since:)``.
    case changesLoaded(groupId: String, page: ChangePage)
    case changesFailed(groupId: String, reason: String)
    case newestLoaded(groupId: String, page: MessagePage)
    case olderLoaded(groupId: String, page: MessagePage)
    /// Messages before `seq`, asked for by ``SyncAction/loadBefore(groupId:seq:)``.
    case olderLoadedBefore(groupId: String, seq: Int64, messages: [Message])
    case loadFailed(groupId: String, reason: String)
    /// The user wrote a message (in answer to `replyTo`, a message id of the group, if given).
    case send(groupId: String, text: String, clientId: String, at: Date, replyTo: String? = nil)
    /// The server stored a message of the outbox (REST 201 or `message:ack`).
    case delivered(clientId: String, message: Message)
    /// Delivery failed; `retryable` failures are tried again on the next connection or wake-up.
    case deliveryFailed(clientId: String, reason: String, retryable: Bool)
    /// Drops a failed message from the outbox.
    case discard(clientId: String)
    /// The user looks at this group now.
    case focus(groupId: String?)
    /// The user scrolled past the oldest loaded message.
    case loadOlder(groupId: String)
    /// The user joined or created a group (the REST answer).
    case joined(Group)
    case membersLoaded(groupId: String, members: [Member])
    /// A message that a reply quotes, older than what is loaded.
    case quoteLoaded(Message)
    /// Members with their presence, from `GET /groups/:id/members`.
    case presenceLoaded([MemberPresence])
    /// The user typed in a group's input line.
    case userTyped(groupId: String, at: Date)
    /// Time passed: typing indicators expire, failed deliveries are retried.
    case tick(Date)
    /// The session was refused.
    case signedOut
}

/// What to do: output of ``SyncMachine``, carried out by ``SyncEngine``.
public enum SyncAction: Sendable, Hashable {
    case loadGroups
    case loadNewest(groupId: String)
    case loadOlder(groupId: String, cursor: String)
    /// Load the page of messages before `seq` (a timeline restored from a cache has no cursor), and answer
    /// with ``SyncEvent/olderLoadedBefore(groupId:seq:messages:)``.
    case loadBefore(groupId: String, seq: Int64)
    /// Fetch one page of `GET /groups/:id/changes?since=`, and answer with ``SyncEvent/changesLoaded(groupId:page:)``.
    case fetchChanges(groupId: String, since: Int64)
    /// Move the user's read marker on the server.
    case markRead(groupId: String, seq: Int64)
    case deliver(OutgoingMessage)
    case sendTyping(groupId: String)
    /// Send a ``SyncEvent/tick(_:)`` at this time.
    case wakeUp(at: Date)
}
