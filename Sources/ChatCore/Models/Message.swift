import Foundation

/// A chat message. `seq` numbers a group's messages 1, 2, 3… with no gaps; `rev` is the group's change number
/// of the message's latest change (its creation, an edit, its deletion or a reaction).
public struct Message: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var groupId: String
    public var seq: Int64
    public var rev: Int64
    public var sender: UserSummary
    /// Empty once the message is deleted.
    public var text: String
    public var createdAt: Date
    /// The sender's idempotency key, if the send carried one.
    public var clientId: String?
    /// When the text was last edited.
    public var editedAt: Date?
    /// A deleted message stays in the timeline as a tombstone, with its `seq`, an empty text and no reactions.
    public var deleted: Bool
    public var deletedAt: Date?
    /// The message this one answers, in the same group.
    public var replyTo: MessageRef?
    /// In the order each emoji first appeared.
    public var reactions: [Reaction]

    public init(
        id: String,
        groupId: String,
        seq: Int64,
        rev: Int64 = 0,
        sender: UserSummary,
        text: String,
        createdAt: Date,
        clientId: String?,
        editedAt: Date? = nil,
        deleted: Bool = false,
        deletedAt: Date? = nil,
        replyTo: MessageRef? = nil,
        reactions: [Reaction] = []
    ) {
        self.id = id
        self.groupId = groupId
        self.seq = seq
        self.rev = rev
        self.sender = sender
        self.text = text
        self.createdAt = createdAt
        self.clientId = clientId
        self.editedAt = editedAt
        self.deleted = deleted
        self.deletedAt = deletedAt
        self.replyTo = replyTo
        self.reactions = reactions
    }

    private enum CodingKeys: String, CodingKey {
        case id, groupId, seq, rev, sender, text, createdAt, clientId, editedAt, deleted, deletedAt, replyTo, reactions
    }

    /// Fields added after the first release are optional on input, so that older peers still decode.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.id = try container.decode(String.self, forKey: .id)
        self.groupId = try container.decode(String.self, forKey: .groupId)
        self.seq = try container.decode(Int64.self, forKey: .seq)
        self.rev = try container.decodeIfPresent(Int64.self, forKey: .rev) ?? 0
        self.sender = try container.decode(UserSummary.self, forKey: .sender)
        self.text = try container.decode(String.self, forKey: .text)
        self.createdAt = try container.decode(Date.self, forKey: .createdAt)
        self.clientId = try container.decodeIfPresent(String.self, forKey: .clientId)
        self.editedAt = try container.decodeIfPresent(Date.self, forKey: .editedAt)
        self.deleted = try container.decodeIfPresent(Bool.self, forKey: .deleted) ?? false
        self.deletedAt = try container.decodeIfPresent(Date.self, forKey: .deletedAt)
        self.replyTo = try container.decodeIfPresent(MessageRef.self, forKey: .replyTo)
        self.reactions = try container.decodeIfPresent([Reaction].self, forKey: .reactions) ?? []
    }

    /// The keys of the first release are always written (`clientId` as null); the later ones only when they differ
    /// from their default (not edited, not deleted, no reply, no reactions), which keeps the most frequent frame,
    /// `message:new`, small.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.id, forKey: .id)
        try container.encode(self.groupId, forKey: .groupId)
        try container.encode(self.seq, forKey: .seq)
        try container.encode(self.rev, forKey: .rev)
        try container.encode(self.sender, forKey: .sender)
        try container.encode(self.text, forKey: .text)
        try container.encode(self.createdAt, forKey: .createdAt)
        try container.encode(self.clientId, forKey: .clientId)
        try container.encodeIfPresent(self.editedAt, forKey: .editedAt)
        if self.deleted { try container.encode(self.deleted, forKey: .deleted) }
        try container.encodeIfPresent(self.deletedAt, forKey: .deletedAt)
        try container.encodeIfPresent(self.replyTo, forKey: .replyTo)
        if !self.reactions.isEmpty { try container.encode(self.reactions, forKey: .reactions) }
    }
}

/// A reference to another message of the same group.
public struct MessageRef: Codable, Sendable, Hashable {
    public var id: String
    public var seq: Int64

    public init(id: String, seq: Int64) {
        self.id = id
        self.seq = seq
    }
}

/// One emoji on a message, with who reacted with it (in the order they did).
public struct Reaction: Codable, Sendable, Hashable {
    public var emoji: String
    public var count: Int
    public var userIds: [String]

    public init(emoji: String, userIds: [String]) {
        self.emoji = emoji
        self.count = userIds.count
        self.userIds = userIds
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

/// `GET /groups/:id/changes`: what changed in a group after a `rev`, as current state, oldest change first.
///
/// Each changed message appears once, as it is now (a deleted one as its tombstone), and so does each changed
/// membership (a removed one as `removed` with its reason); `group` is there when the group's settings changed.
/// `rev` is the newest change the page covers: pass it back as `since` for the next page while `hasMore`, and
/// keep it to catch up later.
public struct ChangePage: Codable, Sendable, Hashable {
    public var messages: [Message]
    public var members: [MemberChange]
    public var group: GroupInfo?
    public var rev: Int64
    public var hasMore: Bool

    public init(messages: [Message], members: [MemberChange] = [], group: GroupInfo? = nil, rev: Int64, hasMore: Bool) {
        self.messages = messages
        self.members = members
        self.group = group
        self.rev = rev
        self.hasMore = hasMore
    }

    private enum CodingKeys: String, CodingKey {
        case messages, members, group, rev, hasMore
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.messages = try container.decode([Message].self, forKey: .messages)
        self.members = try container.decodeIfPresent([MemberChange].self, forKey: .members) ?? []
        self.group = try container.decodeIfPresent(GroupInfo.self, forKey: .group)
        self.rev = try container.decode(Int64.self, forKey: .rev)
        self.hasMore = try container.decode(Bool.self, forKey: .hasMore)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.messages, forKey: .messages)
        try container.encode(self.members, forKey: .members)
        try container.encode(self.group, forKey: .group)
        try container.encode(self.rev, forKey: .rev)
        try container.encode(self.hasMore, forKey: .hasMore)
    }
}

/// `POST /groups/:id/messages`.
public struct SendMessageRequest: Codable, Sendable, Hashable {
    public var text: String
    public var clientId: String?
    /// The id of a message of the same group that this one answers.
    public var replyTo: String?

    public init(text: String, clientId: String? = nil, replyTo: String? = nil) {
        self.text = text
        self.clientId = clientId
        self.replyTo = replyTo
    }
}

/// `PATCH /groups/:id/messages/:messageId`.
public struct EditMessageRequest: Codable, Sendable, Hashable {
    public var text: String

    public init(text: String) {
        self.text = text
    }
}

/// `PUT /groups/:id/read`: moves the caller's read marker forward to `seq`.
public struct ReadRequest: Codable, Sendable, Hashable {
    public var seq: Int64

    public init(seq: Int64) {
        self.seq = seq
    }
}
