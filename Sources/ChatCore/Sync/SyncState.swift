import Foundation

/// Everything a client shows, in one value: the groups, each group's messages, what is pending, and the
/// connection. ``SyncMachine`` is the only thing that changes it.
public struct SyncState: Sendable, Hashable {
    /// The signed-in user.
    public var me: User?
    public var connection: ConnectionState = .offline
    /// Group ids, most recently active first.
    public var groupOrder: [String] = []
    public var groups: [String: GroupTimeline] = [:]
    /// Messages not yet acknowledged, in the order they were written.
    public var outbox: [OutgoingMessage] = []
    /// The group the user is looking at: its new messages are not counted as unread.
    public var focused: String?
    /// A problem to show the user, if any.
    public var notice: String?
    /// Co-members' presence, from `presence` events and loaded member lists.
    public var presence: [String: Presence] = [:]
    /// Groups the user no longer belongs to, and why (they left, were removed, or the group was deleted).
    public var departures: [Departure] = []
    /// Pending requests to join the groups the user manages, by group.
    public var joinRequests: [String: [JoinRequest]] = [:]

    public init(me: User? = nil) {
        self.me = me
    }

    /// The groups in sidebar order.
    public var orderedGroups: [GroupTimeline] { self.groupOrder.compactMap { self.groups[$0] } }

    /// The pending messages of one group, oldest first.
    public func pending(in groupID: String) -> [OutgoingMessage] {
        self.outbox.filter { $0.groupId == groupID }
    }
}

/// The state of the real-time connection, as the status bar shows it.
public enum ConnectionState: Sendable, Hashable {
    case offline
    case connecting
    case connected
    /// Disconnected, trying again in `retryIn`.
    case reconnecting(retryIn: Duration)
    /// The server no longer accepts the session.
    case signedOut
}

/// One group's timeline: a contiguous run of messages by `seq`, plus what is known beyond it.
///
/// Each message is held as of its latest change known here (its `rev`), and `rev` says up to which of the
/// group's changes the timeline is complete: a change numbered beyond `rev + 1` reveals a gap, which a fetch of
/// `GET /groups/:id/changes?since=rev` fills.
public struct GroupTimeline: Sendable, Hashable, Identifiable {
    public var group: Group
    /// Ascending `seq`, with no gap.
    public var messages: [Message] = []
    /// Messages that arrived beyond a gap, ascending; they join `messages` once the gap is filled.
    public var ahead: [Message] = []
    /// Whether the newest page has been loaded (before that, `messages` is empty and meaningless).
    public var loaded = false
    /// Whether a request for the newest page is in flight.
    public var loadingNewest = false
    /// The cursor of the next older page, while there is one.
    public var olderCursor: String?
    /// Without a cursor (a timeline restored from a cache): older messages are those before this `seq`.
    public internal(set) var olderBefore: Int64?
    public var loadingOlder = false
    /// The `rev` when the pending page request went out: changes seen since may be missing from the page.
    var pageRequestedAt: Int64?
    /// Whether a fetch of the change feed is in flight.
    public internal(set) var catchingUp = false
    /// The `since` of the fetch in flight.
    var fetchingSince: Int64?
    /// A fetch to make once the one in flight is done, from an earlier `rev` than it covers.
    var refetchSince: Int64?
    /// Every change of the group up to this `rev` is reflected here.
    public internal(set) var rev: Int64
    /// Changes applied beyond `rev`, out of order: `rev` moves past them once the gap before them is filled.
    var revsAhead: Set<Int64> = []
    /// The user's read marker: the `seq` of the last message read, on any device.
    public internal(set) var readSeq: Int64
    /// The server's unread count, and the `seq` and read marker it was counted at: the messages held locally
    /// may not reach back to the marker.
    var serverUnread: ServerUnread
    /// Messages from others after the read marker, not deleted.
    public internal(set) var unread = 0
    /// Who is typing, and until when.
    public var typing: [TypingUser] = []
    /// Messages older than those loaded that replies here quote, by id (see ``SyncEngine/loadQuote(_:in:)``).
    public var quoted: [String: Message] = [:]
    /// The member list, once loaded.
    public var members: [Member]?
    /// The newest membership change applied for each user (its rev, and whether they are a member after it), so
    /// that a change seen twice (live, then in the change feed) counts once.
    var membership: [String: MembershipMark] = [:]

    public var id: String { self.group.id }

    public init(group: Group) {
        self.group = group
        self.rev = group.rev
        self.readSeq = group.readSeq
        self.serverUnread = ServerUnread(count: group.unreadCount, lastSeq: group.lastSeq, readSeq: group.readSeq)
        self.unread = group.unreadCount
    }

    /// The newest contiguous `seq` held (0 for a loaded empty group), or `nil` before the first page.
    public var newestSeq: Int64? {
        guard self.loaded else { return nil }
        return self.messages.last?.seq ?? 0
    }

    /// Whether older history remains on the server.
    public var hasOlder: Bool { self.olderCursor != nil || self.olderBefore != nil }

    /// When the group was last active: its newest message, or its creation.
    public var lastActivity: Date { self.messages.last?.createdAt ?? self.group.createdAt }
}

/// A group the user is no longer in.
public struct Departure: Sendable, Hashable {
    public var group: Group
    /// Why, when the user heard it live; `nil` when the group was simply missing from the list (the user was
    /// removed while offline).
    public var reason: RemovalReason?

    public init(group: Group, reason: RemovalReason?) {
        self.group = group
        self.reason = reason
    }
}

/// The newest membership change applied for a user.
struct MembershipMark: Sendable, Hashable {
    var rev: Int64
    var present: Bool
}

/// The server's unread count of a group, with the newest `seq` and the read marker it was counted at.
struct ServerUnread: Sendable, Hashable {
    var count: Int
    var lastSeq: Int64
    var readSeq: Int64
}

/// Someone shown as typing.
public struct TypingUser: Sendable, Hashable {
    public var user: UserSummary
    public var until: Date

    public init(user: UserSummary, until: Date) {
        self.user = user
        self.until = until
    }
}

/// A message written here and not yet acknowledged by the server.
public struct OutgoingMessage: Sendable, Hashable, Identifiable {
    /// Where delivery stands.
    public enum Status: Sendable, Hashable {
        /// Waiting for a connection.
        case queued
        /// Handed to the transport; the answer is pending.
        case sending
        /// The server refused it; it will not be retried.
        case failed(String)
    }

    /// The idempotency key: every retry carries it, so the server stores the message once.
    public var clientId: String
    public var groupId: String
    public var text: String
    public var createdAt: Date
    public var status: Status = .queued
    public var attempts = 0
    /// The message of the group this one answers.
    public var replyTo: String?

    public var id: String { self.clientId }

    public init(
        clientId: String,
        groupId: String,
        text: String,
        createdAt: Date,
        status: Status = .queued,
        attempts: Int = 0,
        replyTo: String? = nil
    ) {
        self.clientId = clientId
        self.groupId = groupId
        self.text = text
        self.createdAt = createdAt
        self.status = status
        self.attempts = attempts
        self.replyTo = replyTo
    }
}
