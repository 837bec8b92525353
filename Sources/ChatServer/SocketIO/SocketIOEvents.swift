import ChatCore
import Foundation

/// The chat's events in Socket.IO's clothes: the same names and JSON payloads as on `/ws`, as `["name", data]`
/// arrays, and the acknowledgements the seed's apps expect.
enum SocketIOEvents {
    /// Why a client event was refused: answered as an ack `{error}` when one was asked for, else as an `error`
    /// event, as on `/ws`.
    struct Refused: Error, Hashable {
        let code: String
        let message: String
    }

    /// The Engine.IO message text of a server event: `42["message:new",{…}]`, encoded once for every recipient.
    static func frame(for event: ServerEvent) throws -> String {
        let data = try event.encodedData(with: ChatJSON.encoder)
        return EngineIOPacket.message(SocketIOPacket.event(event.type, arguments: [String(decoding: data, as: UTF8.self)]).encoded).encoded
    }

    /// A client EVENT as the chat's ``ClientEvent``, with the payloads `/ws` takes. `room:join` also takes the
    /// group id as a bare string, as the seed's apps send it.
    static func clientEvent(name: String, arguments: [String]) throws(Refused) -> ClientEvent {
        guard ["room:join", "message:send", "typing", "read"].contains(name) else {
            throw Refused(code: "unknown_event", message: "Unknown event \"\(name.prefix(64))\".")
        }
        guard let first = arguments.first else { throw Refused(code: "invalid_event", message: "\(name) needs a payload.") }
        if name == "room:join", let groupID = try? ChatJSON.decoder.decode(String.self, from: Data(first.utf8)) {
            return .roomJoin(groupId: groupID)
        }
        let frame = "{\"type\":" + SocketIOPacket.jsonString(name) + ",\"data\":" + first + "}"
        do {
            return try ChatJSON.decoder.decode(ClientEvent.self, from: Data(frame.utf8))
        } catch {
            throw Refused(code: "invalid_event", message: "The payload of \(name) is not valid: see the WebSocket events in the README.")
        }
    }

    /// The ack of `room:join`: `[{"groupId": …}]`.
    static func roomJoinAck(groupID: String) throws -> [String] {
        [String(decoding: try ChatJSON.encoder.encode(ServerEvent.RoomJoined(groupId: groupID)), as: UTF8.self)]
    }

    /// The ack of `message:send`: `[{"clientId": …, "message": {…}}]`.
    static func messageSendAck(clientID: String, message: Message) throws -> [String] {
        [String(decoding: try ChatJSON.encoder.encode(ServerEvent.MessageAck(clientId: clientID, message: message)), as: UTF8.self)]
    }

    /// A refusal as an ack: `[{"error": {"code": …, "message": …}}]`.
    static func errorAck(code: String, message: String) throws -> [String] {
        struct Body: Encodable {
            let error: ServerEvent.EventError
        }
        return [String(decoding: try ChatJSON.encoder.encode(Body(error: .init(code: code, message: message))), as: UTF8.self)]
    }
}
