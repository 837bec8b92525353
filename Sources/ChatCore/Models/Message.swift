import Foundation

/// A chat message. `seq` numbers a group's messages 1, 2, 3… with no gaps.
public struct Message: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var groupId: String
    public var seq: Int64
    public var sender: UserSummary
    public var text: String
    public var createdAt: Date
    /// The sender's idempotency key, if the send carried one.
    public var clientId: String?

    public init(id: String, groupId: String, seq: Int64, sender: UserSummary, text: String, createdAt: Date, clientId: String?) {
        self.id = id
        self.groupId = groupId
        self.seq = seq
        self.sender = sender
        self.text = text
        self.createdAt = createdAt
        self.clientId = clientId
    }

    private enum CodingKeys: String, CodingKey {
        case id, groupId, seq, sender, text, createdAt, clientId
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.id, forKey: .id)
        try container.encode(self.groupId, forKey: .groupId)
        try container.encode(self.seq, forKey: .seq)
        try container.encode(self.sender, forKey: .sender)
        try container.encode(self.text, forKey: .text)
        try container.encode(self.createdAt, forKey: .createdAt)
        try container.encode(self.clientId, forKey: .clientId)
    }
}

/// `GET /groups/:id/messages`: one page, in ascending `seq`.
public struct MessagePage: Codable, Sendable, Hashable {
    public var messages: [Message]
    /// Fetches the next older page, or `nil` when this page reaches the first message.
    /// Always `nil` for an `after=` query, which pages forwards from the last `seq` instead.
    public var nextCursor: String?
    /// Whether more messages lie beyond this page in the direction of the query.
    public var hasMore: Bool

    public init(messages: [Message], nextCursor: String?, hasMore: Bool) {
        self.messages = messages
        self.nextCursor = nextCursor
        self.hasMore = hasMore
    }

    private enum CodingKeys: String, CodingKey {
        case messages, nextCursor, hasMore
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.messages, forKey: .messages)
        try container.encode(self.nextCursor, forKey: .nextCursor)
        try container.encode(self.hasMore, forKey: .hasMore)
    }
}

/// `POST /groups/:id/messages`.
public struct SendMessageRequest: Codable, Sendable, Hashable {
    public var text: String
    public var clientId: String?

    public init(text: String, clientId: String? = nil) {
        self.text = text
        self.clientId = clientId
    }
}
