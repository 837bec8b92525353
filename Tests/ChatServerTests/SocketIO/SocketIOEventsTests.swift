import ChatCore
import Foundation
import Testing

@testable import ChatServer

@Suite("Chat events over Socket.IO")
struct SocketIOEventsTests {
    private static let message = Message(
        id: "m1",
        groupId: "g1",
        seq: 3,
        rev: 5,
        sender: UserSummary(id: "u1", displayName: "Ann"),
        text: "hi",
        createdAt: Date(timeIntervalSince1970: 1_795_000_000),
        clientId: "c1"
    )

    @Test("a server event goes out as 42[name, data] with the same name and payload as on /ws")
    func serverEvents() throws {
        let events: [ServerEvent] = [
            .messageNew(Self.message), .messageUpdated(Self.message), .roomJoined(.init(groupId: "g1")),
            .error(.init(code: "rate_limited", message: "slow down", clientId: "c1")),
        ]
        for event in events {
            let frame = try SocketIOEvents.frame(for: event)
            #expect(frame.hasPrefix("42[\"\(event.type)\","))
            let packet = try SocketIOPacket.decode(String(frame.dropFirst()))
            let (name, arguments) = try #require(packet.eventArguments())
            #expect(name == event.type)
            // The data decodes back to the event that /ws would carry.
            let wsFrame = "{\"type\":\"\(name)\",\"data\":\(arguments[0])}"
            #expect(try ChatJSON.decoder.decode(ServerEvent.self, from: Data(wsFrame.utf8)) == event)
        }
    }

    @Test("client events take the /ws payloads; room:join also takes a bare group id")
    func clientEvents() throws {
        #expect(try SocketIOEvents.clientEvent(name: "room:join", arguments: ["\"g1\""]) == .roomJoin(groupId: "g1"))
        #expect(try SocketIOEvents.clientEvent(name: "room:join", arguments: ["{\"groupId\":\"g1\"}"]) == .roomJoin(groupId: "g1"))
        #expect(
            try SocketIOEvents.clientEvent(name: "message:send", arguments: ["{\"groupId\":\"g1\",\"text\":\"hi\",\"clientId\":\"c1\"}"])
                == .messageSend(groupId: "g1", text: "hi", clientId: "c1")
        )
        #expect(try SocketIOEvents.clientEvent(name: "typing", arguments: ["{\"groupId\":\"g1\"}"]) == .typing(groupId: "g1"))
        #expect(try SocketIOEvents.clientEvent(name: "read", arguments: ["{\"groupId\":\"g1\",\"seq\":4}"]) == .read(groupId: "g1", seq: 4))
        let refusals: [(String, [String], String)] = [
            ("nope", ["{}"], "unknown_event"), ("room:join", [], "invalid_event"), ("room:join", ["42"], "invalid_event"),
            ("message:send", ["{\"groupId\":\"g1\"}"], "invalid_event"), ("typing", ["[]"], "invalid_event"),
        ]
        for (name, arguments, code) in refusals {
            #expect(throws: SocketIOEvents.Refused.self) { try SocketIOEvents.clientEvent(name: name, arguments: arguments) }
            do {
                _ = try SocketIOEvents.clientEvent(name: name, arguments: arguments)
            } catch {
                #expect(error.code == code, "\(name) \(arguments)")
            }
        }
    }

    @Test("acks carry {groupId}, {clientId, message} or {error}, as the seed's apps read them")
    func acks() throws {
        func object(_ json: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        }
        #expect(try object(try SocketIOEvents.roomJoinAck(groupID: "g1")[0])["groupId"] as? String == "g1")
        let sent = try object(try SocketIOEvents.messageSendAck(clientID: "c1", message: Self.message)[0])
        #expect(sent["clientId"] as? String == "c1" && (sent["message"] as? [String: Any])?["seq"] as? Int == 3)
        let refused = try object(try SocketIOEvents.errorAck(code: "group_not_found", message: "No such group.")[0])
        #expect((refused["error"] as? [String: String]) == ["code": "group_not_found", "message": "No such group."])
        #expect(SocketIOPacket.ack(1, arguments: try SocketIOEvents.roomJoinAck(groupID: "g1")).encoded == "31[{\"groupId\":\"g1\"}]")
    }
}
