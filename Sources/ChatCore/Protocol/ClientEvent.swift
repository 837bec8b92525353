import Foundation

/// A frame a client sends over `GET /ws`: `{"type": "...", "data": {...}}`.
public enum ClientEvent: Sendable, Hashable {
    /// `room:join {groupId}`: confirms the subscription to a group the user belongs to.
    case roomJoin(groupId: String)
    /// `message:send {groupId, text, clientId}`: answered by `message:ack` or `error`.
    case messageSend(groupId: String, text: String, clientId: String)
    /// `typing {groupId}`: tells the other members that this user is typing.
    case typing(groupId: String)

    /// The `type` string on the wire.
    public var type: String {
        switch self {
        case .roomJoin: "room:join"
        case .messageSend: "message:send"
        case .typing: "typing"
        }
    }
}

extension ClientEvent: Codable {
    private enum CodingKeys: String, CodingKey {
        case type, data
    }

    private enum DataKeys: String, CodingKey {
        case groupId, text, clientId
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
                clientId: try data.decode(String.self, forKey: .clientId)
            )
        case "typing":
            self = .typing(groupId: try data.decode(String.self, forKey: .groupId))
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
        case .messageSend(let groupId, let text, let clientId):
            try data.encode(groupId, forKey: .groupId)
            try data.encode(text, forKey: .text)
            try data.encode(clientId, forKey: .clientId)
        case .typing(let groupId):
            try data.encode(groupId, forKey: .groupId)
        }
    }
}
