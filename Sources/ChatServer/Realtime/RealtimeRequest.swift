import ChatCore
import Foundation
import NIOCore

/// One client event, whatever transport carried it, and the acknowledgement the client asked for.
struct RealtimeRequest: Sendable {
    /// The event, or why it could not be understood.
    enum Content: Sendable {
        case event(ClientEvent)
        case refused(ServerEvent.EventError)
    }

    var content: Content
    /// The Socket.IO ack id, when the client asked for an acknowledgement.
    var ackID: Int? = nil

    /// A `/ws` text frame: `{"type": …, "data": {…}}`.
    init(webSocketText text: String) {
        do {
            self.content = .event(try ChatJSON.decoder.decode(ClientEvent.self, from: Data(text.utf8)))
        } catch let error as ClientEvent.UnknownType {
            self.content = .refused(.init(code: "unknown_event", message: "Unknown event type \"\(error.type.prefix(64))\"."))
        } catch {
            self.content = .refused(.init(code: "invalid_frame", message: "Expected {\"type\": \"...\", \"data\": {...}} with the event's fields."))
        }
    }

    init(_ content: Content, ackID: Int? = nil) {
        self.content = content
        self.ackID = ackID
    }
}

/// The server's answer to one request.
enum RealtimeReply: Sendable, Hashable {
    case roomJoined(ServerEvent.RoomJoined)
    case messageAck(ServerEvent.MessageAck)
    case error(ServerEvent.EventError)
    /// Done, with nothing to say (`typing`, `read`): `/ws` sends nothing, Socket.IO an empty ack if asked.
    case done

    /// The event `/ws` sends for it, if any.
    var event: ServerEvent? {
        switch self {
        case .roomJoined(let joined): .roomJoined(joined)
        case .messageAck(let ack): .messageAck(ack)
        case .error(let error): .error(error)
        case .done: nil
        }
    }
}

/// What a transport does for a ``RealtimeSession``: the session decides, the edge puts it on the wire.
protocol RealtimeEdge: Sendable {
    /// The token held and the connection is registered: Socket.IO answers the CONNECT here, before any event.
    func accepted(_ id: RealtimeHub.ConnectionID) async throws
    /// The token does not hold (any more): the client must sign in again.
    func refused(reason: String) async throws
    /// Writes one item of the connection's queue; `false` once the connection is closing.
    func write(_ outgoing: RealtimeHub.Outgoing) async throws -> Bool
    /// The reply in this transport's form, or `nil` when there is nothing to send.
    func outgoing(for reply: RealtimeReply, ackID: Int?) -> RealtimeHub.Outgoing?
    /// The hub cut the connection off (its queue overflowed): close the transport now.
    func cutOff()
    /// A channel the hub may write event frames to directly, on its event loop (`/ws`); `nil` sends every item
    /// through ``write(_:)``.
    var directChannel: (any Channel)? { get }
}

extension RealtimeEdge {
    var directChannel: (any Channel)? { nil }
}
