import ChatCore
import Foundation

/// What goes through PostgreSQL's `NOTIFY chat_events`: ids and seqs, never message texts, so that a payload
/// stays far below PostgreSQL's 8,000-byte limit. Receivers read the message from the database.
struct FanOutPayload: Codable, Sendable, Hashable {
    /// `m` a new message, `j` a member joined, `t` typing.
    var kind: String
    /// The instance that sent it; it ignores its own.
    var instance: String
    var group: String
    var seq: Int64?
    var user: String?
    var name: String?
    var role: String?

    static let channel = "chat_events"

    private enum CodingKeys: String, CodingKey {
        case kind = "k"
        case instance = "i"
        case group = "g"
        case seq = "s"
        case user = "u"
        case name = "n"
        case role = "r"
    }

    init(_ event: ChatEvent, instance: String) {
        self.instance = instance
        self.group = event.groupID
        switch event {
        case .messageCreated(let message):
            self.kind = "m"
            self.seq = message.seq
        case .memberJoined(_, let user, let role):
            self.kind = "j"
            self.user = user.id
            self.name = user.displayName
            self.role = role.rawValue
        case .typing(_, let user):
            self.kind = "t"
            self.user = user.id
            self.name = user.displayName
        }
    }

    var json: String { String(decoding: (try? JSONEncoder().encode(self)) ?? Data("{}".utf8), as: UTF8.self) }

    static func decode(_ text: String) -> FanOutPayload? {
        try? JSONDecoder().decode(FanOutPayload.self, from: Data(text.utf8))
    }
}
