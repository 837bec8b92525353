import ChatCore
import ChatTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOHTTP1
import Testing

@testable import ChatServer

/// `/socket.io/` over real sockets: the wire exchanges of the protocol brief, byte for byte where they matter.
@Suite("Socket.IO endpoint over real sockets")
struct SocketIOServerTests {
    /// Two members of one group, and the group.
    private static func pair(_ api: API) async throws -> (ann: AuthResponse, bob: AuthResponse, group: Group) {
        let ann = try await api.guest("Ann")
        let group = try await api.createGroup(ann.token)
        let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
        return (ann, bob, group)
    }

    @Test("the handshake advertises the real limits, and bad requests get the reference server's errors")
    func handshakeAndErrors() async throws {
        try await TestApp.run(.live) { api in
            let polling = EngineIOPolling(port: try #require(api.client.port))
            let (sid, open) = try await polling.handshake()
            #expect(open["upgrades"] as? [String] == ["websocket"])
            #expect(open["pingInterval"] as? Int == 25000 && open["pingTimeout"] as? Int == 20000)
            #expect(open["maxPayload"] as? Int == 65536)
            #expect(sid.count >= 26, "an unguessable id")
            #expect(try await polling.handshake().sid != sid)

            let cases: [(HTTPMethod, String, Int, Int)] = [
                (.GET, "transport=polling", 400, 5),
                (.GET, "EIO=3&transport=polling", 400, 5),
                (.GET, "EIO=4&transport=carrier-pigeon", 400, 0),
                (.GET, "EIO=4&transport=polling&sid=nope", 400, 1),
                (.POST, "EIO=4&transport=polling", 400, 2),
                (.GET, "EIO=4&transport=websocket", 400, 3),
                (.GET, "EIO=4&transport=polling&sid=x", 403, 4),
            ]
            for (method, query, status, code) in cases {
                let headers = code == 4 ? [("Origin", "https://evil.example")] : []
                let answer = try await polling.request(method, query: query, body: method == .POST ? "40" : nil, headers: headers)
                #expect(answer.status == status, "\(method) \(query)")
                #expect(answer.engineError?.code == code, "\(method) \(query): \(answer.body)")
                #expect(answer.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true)
            }
            // Larger than maxPayload: 413, and the session is over.
            let big = try await polling.request(.POST, query: "EIO=4&transport=polling&sid=\(sid)", body: "4" + String(repeating: "x", count: 70_000))
            #expect(big.status == 413)
            #expect(try await polling.poll(sid).engineError?.code == 1)
        }
    }

    @Test("polling: CONNECT with the token in its data, then sid before ready, live events, acks, and room:join by bare id")
    func pollingSession() async throws {
        try await TestApp.run(.live) { api in
            let (ann, bob, group) = try await Self.pair(api)
            let polling = EngineIOPolling(port: try #require(api.client.port))
            let (sid, _) = try await polling.handshake()
            #expect(try await polling.post(sid, "40{\"token\":\"\(ann.token)\"}").body == "ok")
            let first = try await polling.first(sid) { $0.hasPrefix("40") }
            #expect(first.hasPrefix("40{\"sid\":\""))
            _ = try await polling.first(sid) { $0.hasPrefix("42[\"ready\"") }

            _ = try await api.send(bob.token, group: group.id, text: "hello over polling")
            let new = try await polling.first(sid) { $0.hasPrefix("42[\"message:new\"") }
            #expect(new.contains("hello over polling"))

            try await polling.post(sid, "421[\"message:send\",{\"groupId\":\"\(group.id)\",\"text\":\"acked\",\"clientId\":\"c-1\"}]")
            let ack = try await polling.first(sid) { $0.hasPrefix("431[") }
            let ackArguments = try #require(try JSONSerialization.jsonObject(with: Data(ack.dropFirst(3).utf8)) as? [[String: Any]])
            #expect(ackArguments.first?["clientId"] as? String == "c-1")
            #expect((ackArguments.first?["message"] as? [String: Any])?["text"] as? String == "acked")

            try await polling.post(sid, "42[\"room:join\",\"\(group.id)\"]")
            let joined = try await polling.first(sid) { $0.hasPrefix("42[\"room:joined\"") }
            #expect(joined.contains(group.id))
        }
    }

    @Test("a missing or bad token gets CONNECT_ERROR unauthorized, and another namespace Invalid namespace")
    func refusals() async throws {
        try await TestApp.run(.live) { api in
            let polling = EngineIOPolling(port: try #require(api.client.port))
            let (other, _) = try await polling.handshake()
            try await polling.post(other, "40/admin,{}")
            #expect(try await polling.packets(other) == ["44/admin,{\"message\":\"Invalid namespace\"}"])

            for connect in ["40{\"token\":\"not-a-token\"}", "40{}", "40"] {
                let (sid, _) = try await polling.handshake()
                try await polling.post(sid, connect)
                let packets = try await polling.packets(sid)
                #expect(packets.first == "44{\"message\":\"unauthorized\"}", "\(connect)")
                #expect(packets.last == "1", "the session closes after the refusal")
                #expect(try await polling.poll(sid).engineError?.code == 1)
            }
        }
    }

    @Test("the server pings; a session that answers stays, one that does not is closed after pingTimeout")
    func heartbeat() async throws {
        let fast = ConfigurationChange {
            // Short enough for a test, long enough for a pong to come back by POST on a loaded CI machine.
            $0.socketIO.pingInterval = .milliseconds(2000)
            $0.socketIO.pingTimeout = .milliseconds(1500)
        }
        try await TestApp.run(.live, changing: fast) { api in
            let (ann, bob, group) = try await Self.pair(api)
            let polling = EngineIOPolling(port: try #require(api.client.port))
            let (open, handshake) = try await polling.handshake()
            #expect(handshake["pingInterval"] as? Int == 2000)
            try await polling.post(open, "40{\"token\":\"\(ann.token)\"}")
            // Two pings answered: the session lives on and still gets events.
            for _ in 0..<2 { _ = try await polling.first(open) { $0 == "2" } }
            _ = try await api.send(bob.token, group: group.id, text: "still here")
            _ = try await polling.first(open) { $0.contains("still here") }

            let (silent, _) = try await polling.handshake()
            #expect(try await polling.packets(silent) == ["2"])
            // No pong: the next poll is answered with a close (or the session is already gone).
            let answer = try await polling.poll(silent)
            #expect(answer.body == "1" || answer.engineError?.code == 1, "\(answer.status) \(answer.body)")
        }
    }

    @Test("WebSocket only: the open packet first, the token in the header, and messages both ways with a /ws client")
    func webSocketOnly() async throws {
        try await TestApp.run(.live) { api in
            let (ann, bob, group) = try await Self.pair(api)
            let port = try #require(api.client.port)
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(ann.token)"
            let socket = EngineIOSocket(port: port, query: "EIO=4&transport=websocket", headers: headers)
            let open = try await socket.first { _ in true }
            #expect(open.hasPrefix("0{") && open.contains("\"upgrades\":[]"))
            socket.send("40")
            #expect(try await socket.first { _ in true }.hasPrefix("40{\"sid\":"))
            _ = try await socket.first { $0.hasPrefix("42[\"ready\"") }

            let (bobSocket, _) = try await WebSocketProbe.connect(port: port, token: bob.token)
            try bobSocket.send(.messageSend(groupId: group.id, text: "from /ws", clientId: "w-1", replyTo: nil))
            #expect(try await socket.first { $0.hasPrefix("42[\"message:new\"") }.contains("from /ws"))

            socket.send("42[\"message:send\",{\"groupId\":\"\(group.id)\",\"text\":\"from socket.io\",\"clientId\":\"s-1\"}]")
            _ = try await socket.first { $0.hasPrefix("42[\"message:ack\"") && $0.contains("s-1") }
            let seen = try await bobSocket.inbox.first { $0.message?.text == "from socket.io" ? $0.message : nil }
            #expect(seen.sender.id == ann.user.id)
            await bobSocket.close()

            // Binary is not needed for chat: refused with a clean disconnect.
            socket.send("451-[\"upload\",{\"_placeholder\":true,\"num\":0}]")
            _ = try await socket.first { $0 == "41" }
            _ = try await socket.closed()
        }
    }

    @Test("upgrade: polling, then 2probe/3probe, a held poll released with a noop, 5, and events on the WebSocket")
    func upgrade() async throws {
        try await TestApp.run(.live) { api in
            let (ann, bob, group) = try await Self.pair(api)
            let port = try #require(api.client.port)
            let polling = EngineIOPolling(port: port)
            let (sid, _) = try await polling.handshake()
            try await polling.post(sid, "40{\"token\":\"\(ann.token)\"}")
            _ = try await polling.first(sid) { $0.hasPrefix("42[\"ready\"") }

            let probe = EngineIOSocket(port: port, query: "EIO=4&transport=websocket&sid=\(sid)")
            async let held = polling.poll(sid)
            probe.send("2probe")
            #expect(try await probe.first { _ in true } == "3probe")
            probe.send("5")
            // A poll held during the probe is released with a noop; one that came after the upgrade is refused.
            let released = try await held
            #expect(released.body == "6" || released.engineError?.code == 3, "\(released.body)")
            _ = try await api.send(bob.token, group: group.id, text: "after the upgrade")
            #expect(try await probe.first { $0.hasPrefix("42[\"message:new\"") }.contains("after the upgrade"))
            #expect(try await polling.poll(sid).engineError?.code == 3)
            await probe.close()
        }
    }

    @Test("an ended session (log out everywhere) disconnects the Socket.IO client with 41")
    func sessionEnded() async throws {
        try await TestApp.run(.live) { api in
            let ann = try await api.register("ann@example.org")
            let socket = EngineIOSocket(port: try #require(api.client.port), query: "EIO=4&transport=websocket")
            _ = try await socket.first { $0.hasPrefix("0{") }
            socket.send("40{\"token\":\"\(ann.token)\"}")
            _ = try await socket.first { $0.hasPrefix("42[\"ready\"") }
            #expect(try await api.call(.post, "/auth/logout-all", token: ann.token).status == .noContent)
            _ = try await socket.first { $0 == "41" }
            _ = try await socket.closed()
        }
    }

    @Test("a client that stops polling is cut off as a stalled reader, as on /ws, and its queue freed")
    func stalledReader() async throws {
        try await TestApp.run(.live, changing: .init { $0.outboundQueueLimit = 8 }) { api in
            let (ann, bob, group) = try await Self.pair(api)
            let polling = EngineIOPolling(port: try #require(api.client.port))
            let (sid, _) = try await polling.handshake()
            try await polling.post(sid, "40{\"token\":\"\(ann.token)\"}")
            _ = try await polling.first(sid) { $0.hasPrefix("42[\"ready\"") }
            // Ann stops polling while Bob sends more than her queue holds.
            for index in 0..<40 { _ = try await api.send(bob.token, group: group.id, text: "flood \(index)") }
            let answer = try await polling.poll(sid)
            #expect(answer.engineError?.code == 1, "cut off, not buffered without bound: \(answer.status) \(answer.body.prefix(80))")
        }
    }

    @Test("CORS: the preflight and polling answers carry the allowed origin; other origins are refused")
    func cors() async throws {
        try await TestApp.run(.live) { api in
            let polling = EngineIOPolling(port: try #require(api.client.port))
            let allowed = try await polling.request(
                .OPTIONS,
                query: "EIO=4&transport=polling",
                headers: [("Origin", "https://chat.example.org"), ("Access-Control-Request-Headers", "authorization")]
            )
            #expect(allowed.status == 204)
            #expect(allowed.headers.first(name: "Access-Control-Allow-Origin") == "https://chat.example.org")
            #expect(allowed.headers.first(name: "Access-Control-Allow-Headers") == "authorization")
            let handshake = try await polling.request(.GET, query: "EIO=4&transport=polling", headers: [("Origin", "https://chat.example.org")])
            #expect(handshake.status == 200)
            #expect(handshake.headers.first(name: "Access-Control-Allow-Origin") == "https://chat.example.org")
            let refused = try await polling.request(.OPTIONS, query: "EIO=4&transport=polling", headers: [("Origin", "https://evil.example")])
            #expect(refused.status == 403 && refused.engineError?.code == 4)
        }
    }
}
