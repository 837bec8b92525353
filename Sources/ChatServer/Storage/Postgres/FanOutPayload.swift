import ChatCore
import Foundation

/// What goes through PostgreSQL's `NOTIFY chat_events`: ids, `seq`s and `rev`s, never message texts, so that a
/// payload stays far below PostgreSQL's 8,000-byte limit. Receivers read the message from the database.
struct FanOutPayload: Codable, Sendable, Hashable {
    /// `m` a new message, `u` a message changed, `j` a member joined, `t` typing, `r` a read marker moved,
    /// `p` a presence change.
    var kind: String
    /// The instance that sent it; it ignores its own.
    var instance: String
    var group: String?
    var seq: Int64?
    var rev: Int64?
    var user: String?
    var name: String?
    var role: String?
    /// `online` or `offline`, for presence.
    var status: String?
    /// Milliseconds since the epoch, for presence.
    var lastSeen: Int64?
    /// For presence: the user's groups, when there are few enough to keep the payload small (else receivers
    /// read them from the database).
    var groups: [String]?

    static let channel = "chat_events"

    private enum CodingKeys: String, CodingKey {
        case kind = "k"
        case instance = "i"
        case group = "g"
        case seq = "s"
        case rev = "v"
        case user = "u"
        case name = "n"
        case role = "r"
        case status = "p"
        case lastSeen = "l"
        case groups = "gs"
    }

    /// The most group ids a presence payload carries: 50 ids of 36 characters stay far below the 8,000-byte limit.
    static let maxGroups = 50

    init(_ event: ChatEvent, instance: String) {
        self.instance = instance
        self.group = event.groupID
        switch event {
        case .messageCreated(let message):
            self.kind = "m"
            self.seq = message.seq
            self.rev = message.rev
        case .messageUpdated(let message):
            self.kind = "u"
            self.seq = message.seq
            self.rev = message.rev
        case .memberJoined(_, let user, let role):
            self.kind = "j"
            self.user = user.id
            self.name = user.displayName
            self.role = role.rawValue
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
        }
    }

    var json: String { String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self) }

    static func decode(_ text: String) -> FanOutPayload? {
        try? JSONDecoder().decode(FanOutPayload.self, from: Data(text.utf8))
    }
}
