import Foundation

/// A frame a client sends over `GET /ws`: `{"type": "...", "data": {...}}`.
public enum ClientEvent: Sendable, Hashable {
    /// `room:join {groupId}`: confirms the subscription to a group the user belongs to.
    case roomJoin(groupId: String)
    /// `message:send {groupId, text, clientId, replyTo?}`: answered by `message:ack` or `error`.
    case messageSend(groupId: String, text: String, clientId: String, replyTo: String? = nil)
    /// `typing {groupId}`: tells the other members that this user is typing.
    case typing(groupId: String)
    /// `read {groupId, seq}`: moves the user's read marker forward, as `PUT /groups/:id/read` does.
    case read(groupId: String, seq: Int64)

    /// The `type` string on the wire.
    public var type: String {
        switch self {
        case .roomJoin: "room:join"
        case .messageSend: "message:send"
        case .typing: "typing"
        case .read: "read"
        }
    }
}

extension ClientEvent: Codable {
    private enum CodingKeys: String, CodingKey {
        case type, data
    }

    private enum DataKeys: String, CodingKey {
        case groupId, text, clientId, replyTo, seq
    }

    /// Thrown for a well-formed frame whose `type` this server does not know.
    public struct UnknownType: Error, Hashable {
        public var type: String
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        let data = try container.nestedContainer(keyedBy: DataKeys.self, forKey: .data)
        switch type {
        case "room:join":
            self = .roomJoin(groupId: try data.decode(String.self, forKey: .groupId))
        case "message:send":
            self = .messageSend(
                groupId: try data.decode(String.self, forKey: .groupId),
                text: try data.decode(String.self, forKey: .text),
                clientId: try data.decode(String.self, forKey: .clientId),
                replyTo: try data.decodeIfPresent(String.self, forKey: .replyTo)
            )
        case "typing":
            self = .typing(groupId: try data.decode(String.self, forKey: .groupId))
        case "read":
            self = .read(groupId: try data.decode(String.self, forKey: .groupId), seq: try data.decode(Int64.self, forKey: .seq))
        default:
            throw UnknownType(type: type)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.type, forKey: .type)
        var data = container.nestedContainer(keyedBy: DataKeys.self, forKey: .data)
        switch self {
        case .roomJoin(let groupId):
            try data.encode(groupId, forKey: .groupId)
        case .messageSend(let groupId, let text, let clientId, let replyTo):
            try data.encode(groupId, forKey: .groupId)
            try data.encode(text, forKey: .text)
            try data.encode(clientId, forKey: .clientId)
            try data.encodeIfPresent(replyTo, forKey: .replyTo)
        case .typing(let groupId):
            try data.encode(groupId, forKey: .groupId)
        case .read(let groupId, let seq):
            try data.encode(groupId, forKey: .groupId)
            try data.encode(seq, forKey: .seq)
        }
    }
}
