import Foundation
import Testing

@testable import ChatServer

@Suite("Socket.IO v5 packets")
struct SocketIOPacketTests {
    @Test("the exchanges of the protocol brief parse into what they mean and encode back byte for byte")
    func exchanges() throws {
        let cases: [(String, SocketIOPacket)] = [
            ("0", SocketIOPacket(kind: .connect)),
            ("0{}", SocketIOPacket(kind: .connect, json: "{}")),
            ("0{\"token\":\"abc\"}", SocketIOPacket(kind: .connect, json: "{\"token\":\"abc\"}")),
            ("0{\"sid\":\"XHXaPiXcf6KY5qtEAAAC\"}", SocketIOPacket(kind: .connect, json: "{\"sid\":\"XHXaPiXcf6KY5qtEAAAC\"}")),
            ("1", SocketIOPacket(kind: .disconnect)),
            ("21[\"room:join\",{\"groupId\":\"g1\"}]", SocketIOPacket(kind: .event, ackID: 1, json: "[\"room:join\",{\"groupId\":\"g1\"}]")),
            ("20[\"message:send\",{}]", SocketIOPacket(kind: .event, ackID: 0, json: "[\"message:send\",{}]")),
            ("2[\"message:new\",{\"id\":\"m1\"}]", SocketIOPacket(kind: .event, json: "[\"message:new\",{\"id\":\"m1\"}]")),
            ("31[{\"ok\":true}]", SocketIOPacket(kind: .ack, ackID: 1, json: "[{\"ok\":true}]")),
            ("31[]", SocketIOPacket(kind: .ack, ackID: 1, json: "[]")),
            ("4{\"message\":\"unauthorized\"}", SocketIOPacket(kind: .connectError, json: "{\"message\":\"unauthorized\"}")),
            (
                "4/x,{\"message\":\"Invalid namespace\"}",
                SocketIOPacket(kind: .connectError, namespace: "/x", json: "{\"message\":\"Invalid namespace\"}")
            ),
            ("0/admin,", SocketIOPacket(kind: .connect, namespace: "/admin")),
            ("2/admin,7[\"x\"]", SocketIOPacket(kind: .event, namespace: "/admin", ackID: 7, json: "[\"x\"]")),
            (
                "51-[\"x\",{\"_placeholder\":true,\"num\":0}]",
                SocketIOPacket(kind: .binaryEvent, attachments: 1, json: "[\"x\",{\"_placeholder\":true,\"num\":0}]")
            ),
        ]
        for (text, packet) in cases {
            #expect(try SocketIOPacket.decode(text) == packet, "\(text)")
            #expect(packet.encoded == text)
        }
    }

    @Test("packets that break the protocol are refused: unknown type, bad ack id, not JSON, wrong shape")
    func malformed() {
        let bad = [
            "", "7", "x", "٣", "2{}", "2[]", "2[1]", "2[\"\"]", "2abc", "2[\"a\"", "3[]", "31{}", "1{}", "0[1]", "0\"s\"",
            "5[\"x\"]", "5x-[\"x\"]", "2999999999999999999999[\"a\"]",
        ]
        for text in bad {
            #expect(throws: SocketIOPacket.Malformed.self, "\(text.debugDescription)") { try SocketIOPacket.decode(text) }
        }
    }

    @Test("an event's name and arguments come out as JSON text, and events, acks and refusals are built as clients expect")
    func building() throws {
        let packet = try SocketIOPacket.decode("21[\"room:join\",\"g1\",{\"a\":[1,2]}]")
        let (name, arguments) = try #require(packet.eventArguments())
        #expect(name == "room:join")
        #expect(arguments.count == 2 && arguments[0] == "\"g1\"")
        #expect(try JSONSerialization.jsonObject(with: Data(arguments[1].utf8)) as? [String: [Int]] == ["a": [1, 2]])
        #expect(SocketIOPacket.event("message:new", arguments: ["{\"id\":\"m1\"}"]).encoded == "2[\"message:new\",{\"id\":\"m1\"}]")
        #expect(SocketIOPacket.ack(0, arguments: []).encoded == "30[]")
        #expect(SocketIOPacket.ack(3, arguments: ["{\"groupId\":\"g\"}"]).encoded == "33[{\"groupId\":\"g\"}]")
        #expect(SocketIOPacket.connectError("unauthorized").encoded == "4{\"message\":\"unauthorized\"}")
        #expect(SocketIOPacket.connectError("Invalid namespace", namespace: "/x").encoded == "4/x,{\"message\":\"Invalid namespace\"}")
        // Engine.IO carries them as messages: 4 + packet.
        #expect(EngineIOPacket.message(SocketIOPacket(kind: .connect, json: "{\"sid\":\"s\"}").encoded).encoded == "40{\"sid\":\"s\"}")
    }
}
