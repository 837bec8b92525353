import ChatCore
import Foundation

/// What goes through PostgreSQL's `NOTIFY chat_events`: ids, `seq`s and `rev`s, never message texts, so that a
/// payload stays far below PostgreSQL's 8,000-byte limit. Receivers read what they need from the database; the
/// instance that sent it finds the event itself by `event`, its own number for it.
struct FanOutPayload: Codable, Sendable, Hashable {
    /// `m` a new message, `u` a message changed, `j` a member joined, `x` a member removed, `w` a member's role
    /// changed, `g` the group's settings changed, `z` the group deleted, `q` a join request, `d` a request
    /// denied, `t` typing, `r` a read marker moved, `p` a presence change, `s` an account's sessions ended.
    var kind: String
    /// The instance that sent it.
    var instance: String
    /// The sending instance's number for the event (see ``PendingEvents``).
    var event: UInt64?
    var group: String?
    var seq: Int64?
    var rev: Int64?
    var user: String?
    var name: String?
    var role: String?
    /// A removal's reason, or a join request's id.
    var detail: String?
    /// `online` or `offline`, for presence.
    var status: String?
    /// Milliseconds since the epoch, for presence.
    var lastSeen: Int64?
    /// For presence: the user's groups, when there are few enough to keep the payload small (else receivers
    /// read them from the database).
    var groups: [String]?
    /// For ended sessions: the account's new token version (`detail` is `deleted` for a deleted account).
    var version: Int64?

    static let channel = "chat_events"

    private enum CodingKeys: String, CodingKey {
        case kind = "k"
        case instance = "i"
        case event = "e"
        case group = "g"
        case seq = "s"
        case rev = "v"
        case user = "u"
        case name = "n"
        case role = "r"
        case detail = "d"
        case status = "p"
        case lastSeen = "l"
        case groups = "gs"
        case version = "ver"
    }

    /// The most group ids a presence payload carries: 50 ids of 36 characters stay far below the 8,000-byte limit.
    static let maxGroups = 50

    init(_ event: ChatEvent, instance: String, number: UInt64? = nil) {
        self.instance = instance
        self.event = number
        self.group = event.groupID
        self.rev = event.rev
        switch event {
        case .messageCreated(let message):
            self.kind = "m"
            self.seq = message.seq
        case .messageUpdated(let message):
            self.kind = "u"
            self.seq = message.seq
        case .memberJoined(_, let user, let role, _):
            self.kind = "j"
            self.user = user.id
            self.name = user.displayName
            self.role = role.rawValue
        case .memberRemoved(_, let userID, let reason, _):
            self.kind = "x"
            self.user = userID
            self.detail = reason.rawValue
        case .memberUpdated(_, let userID, let role, _):
            self.kind = "w"
            self.user = userID
            self.role = role.rawValue
        case .groupUpdated:
            self.kind = "g"
        case .groupDeleted:
            self.kind = "z"
        case .joinRequested(let request, _):
            self.kind = "q"
            self.detail = request.id
        case .joinDenied(_, let requestID, let userID):
            self.kind = "d"
            self.user = userID
            self.detail = requestID
        case .typing(_, let user):
            self.kind = "t"
            self.user = user.id
            self.name = user.displayName
        case .read(let userID, _, let seq):
            self.kind = "r"
            self.user = userID
            self.seq = seq
        case .presence(let update):
            self.kind = "p"
            self.user = update.userID
            self.status = update.status.rawValue
            self.lastSeen = update.lastSeenAt.map(Timestamp.milliseconds)
            self.groups = update.groupIDs.count <= Self.maxGroups ? update.groupIDs : nil
        case .sessionsEnded(let userID, let version, let deleted):
            self.kind = "s"
            self.user = userID
            self.version = version
            self.detail = deleted ? "deleted" : nil
        }
    }

    var json: String { String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self) }

    static func decode(_ text: String) -> FanOutPayload? {
        try? JSONDecoder().decode(FanOutPayload.self, from: Data(text.utf8))
    }
}
