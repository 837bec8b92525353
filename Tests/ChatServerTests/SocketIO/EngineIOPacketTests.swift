import Foundation
import Testing

@testable import ChatServer

@Suite("Engine.IO v4 packets")
struct EngineIOPacketTests {
    @Test("every packet type round-trips through its text form, as the specification writes them")
    func roundTrip() throws {
        let cases: [(String, EngineIOPacket)] = [
            ("0{\"sid\":\"abc\"}", .open("{\"sid\":\"abc\"}")), ("1", .close), ("2", .ping("")), ("2probe", .ping("probe")),
            ("3probe", .pong("probe")), ("3", .pong("")), ("4hello", .message("hello")), ("42[\"a\"]", .message("2[\"a\"]")),
            ("5", .upgrade), ("6", .noop), ("bAQIDBA==", .binary([1, 2, 3, 4])), ("4", .message("")),
        ]
        for (text, packet) in cases {
            #expect(try EngineIOPacket.decode(Substring(text)) == packet, "\(text)")
            #expect(packet.encoded == text)
        }
    }

    @Test("payloads are split on the record separator; a binary element is base64 with no type digit")
    func payloads() throws {
        #expect(try EngineIOPacket.decodePayload("4hello\u{1E}bAQIDBA==") == [.message("hello"), .binary([1, 2, 3, 4])])
        #expect(try EngineIOPacket.decodePayload("3") == [.pong("")])
        #expect(try EngineIOPacket.decodePayload("40{\"token\":\"abc\"}") == [.message("0{\"token\":\"abc\"}")])
        for bad in ["", "4a\u{1E}", "\u{1E}4a", "9", "b!!!", "x"] {
            #expect(throws: EngineIOPacket.Malformed.self, "\(bad.debugDescription)") { try EngineIOPacket.decodePayload(bad) }
        }
    }

    @Test("poll responses carry at most 16 packets each and are never empty")
    func pollResponses() {
        #expect(EngineIOPacket.encodePayloads([]) == [])
        #expect(EngineIOPacket.encodePayloads([.message("0{\"sid\":\"x\"}"), .message("2[\"a\"]")]) == ["40{\"sid\":\"x\"}\u{1E}42[\"a\"]"])
        let many = (0..<40).map { EngineIOPacket.message("2[\"m\($0)\"]") }
        let responses = EngineIOPacket.encodePayloads(many)
        #expect(responses.count == 3)
        #expect(responses.map { $0.split(separator: "\u{1E}").count } == [16, 16, 8])
        #expect(responses.flatMap { $0.split(separator: "\u{1E}").map(String.init) } == many.map(\.encoded))
    }

    @Test("the handshake and the errors read as the reference server writes them")
    func handshakeAndErrors() throws {
        let open = EngineIOHandshake(sid: "hxwm1g6qzfc4ZmAxAAAK", upgrades: ["websocket"], pingInterval: 25000, pingTimeout: 20000, maxPayload: 65536)
        let decoded = try JSONDecoder().decode(EngineIOHandshake.self, from: try JSONEncoder().encode(open))
        #expect(decoded == open)
        let bodies = EngineIOError.allCases.map { ($0.status, try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any]) }
        #expect(bodies.map(\.0) == [400, 400, 400, 400, 403, 400])
        #expect(bodies.compactMap { $0.1?["code"] as? Int } == [0, 1, 2, 3, 4, 5])
        #expect(EngineIOError.unknownSession.body.contains("\"message\":\"Session ID unknown\""))
    }
}
