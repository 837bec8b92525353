import ChatCore
import ChatTestSupport
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import Testing

@testable import ChatServer

@Suite("WebSocket security")
struct WebSocketSecurityTests {
    @Test("forged, foreign, algorithm-swapped and expired tokens get 401 on the upgrade too")
    func forgedTokens() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let now = api.clock.now.timeIntervalSince1970
            let good: [String: Any] = ["sub": ann.user.id, "iat": now, "exp": now + 3600]
            let tokens = [
                try TokenTests.forge(header: ["alg": "none"], claims: good, secret: TestApp.secret, signature: ""),
                try TokenTests.forge(header: ["alg": "HS384"], claims: good, secret: TestApp.secret),
                try TokenTests.forge(header: ["alg": "HS256"], claims: good, secret: "some-other-secret-that-is-32-bytes!!"),
                try TokenTests.forge(
                    header: ["alg": "HS256"],
                    claims: ["sub": ann.user.id, "iat": now - 10, "exp": now - 5],
                    secret: TestApp.secret
                ),
                try TokenTests.forge(header: ["alg": "HS256"], claims: good.merging(["nbf": now + 60]) { $1 }, secret: TestApp.secret),
            ]
            for token in tokens {
                let answer = try await RawHTTP.exchange(port: port, request: RawHTTP.upgradeRequest("/ws?token=\(token)"))
                #expect(answer.hasPrefix("HTTP/1.1 401"), "\(answer.prefix(60))")
            }
            // The control: the real token upgrades (the read ends at the 101; the socket stays open).
            let answer = try await RawHTTP.converse(
                port: port,
                request: RawHTTP.upgradeRequest("/ws?token=\(ann.token)"),
                timeout: .seconds(10),
                until: "Sec-WebSocket-Accept"
            )
            #expect(answer.text.hasPrefix("HTTP/1.1 101"))
        }
    }

    @Test("a refused upgrade gets exactly one HTTP response, then the connection closes")
    func refusedUpgradeAnswersOnce() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let refusals = [
                RawHTTP.upgradeRequest("/ws?token=not-a-token"),
                RawHTTP.upgradeRequest("/ws"),
                RawHTTP.upgradeRequest("/ws?token=\(try await api.guest("Ann").token)", headers: ["Origin: https://evil.example.com"]),
            ]
            for request in refusals {
                let answer = try await RawHTTP.converse(port: port, request: request)
                #expect(answer.closedByServer)
                #expect(answer.text.components(separatedBy: "HTTP/1.1 ").count - 1 == 1, "\(answer.text)")
                #expect(answer.text.hasPrefix("HTTP/1.1 401") || answer.text.hasPrefix("HTTP/1.1 403"))
                #expect(answer.text.hasSuffix("}"), "the JSON body ends the stream: \(answer.text.suffix(80))")
            }
        }
    }

    @Test("a valid token whose user does not exist gets 401 invalid_token on every route and on the upgrade")
    func tokenOfMissingUser() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let invite = try await api.invite(ann.token, group: group.id)
            let now = api.clock.now.timeIntervalSince1970
            let ghost = try TokenTests.forge(
                header: ["alg": "HS256", "typ": "JWT"],
                claims: ["sub": UUIDv7.make(), "iat": now, "exp": now + 3600],
                secret: TestApp.secret
            )
            let calls: [(HTTPRequest.Method, String, (any Encodable & Sendable)?)] = [
                (.get, "/me", nil), (.get, "/groups", nil), (.post, "/groups", CreateGroupRequest(name: "Ghost town")),
                (.post, "/invites/\(invite.token)/accept", nil), (.get, "/groups/\(group.id)", nil),
                (.post, "/groups/\(group.id)/messages", SendMessageRequest(text: "boo")), (.post, "/auth/logout-all", nil),
                (.delete, "/me", nil),
            ]
            for (method, path, body) in calls {
                try expectError(await api.call(method, path, token: ghost, json: body), .unauthorized, "invalid_token")
            }
            let answer = try await RawHTTP.exchange(port: port, request: RawHTTP.upgradeRequest("/ws?token=\(ghost)"))
            #expect(answer.hasPrefix("HTTP/1.1 401"))
        }
    }

    @Test("an open socket is closed with 4001 once its token has expired")
    func tokenExpiry() async throws {
        // The clock is moved by hand: the token expires when the test says, however slow the machine.
        let clock = TestClock()
        try await TestApp.run(.live, clock: clock, changing: .init { $0.tokenLifetime = .seconds(60) }) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let (socket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            clock.advance(by: 59)
            socket.sendRaw(#"{"type":"typing","data":{"groupId":"none"}}"#)
            // Still open a second before expiry: the next frame is the answer to that request, not a close.
            #expect(try await socket.inbox.next() != nil)
            clock.advance(by: 2)
            let close = try await withThrowingTaskGroup(of: WebSocketCloseFrame?.self) { group in
                group.addTask { try await socket.closeFrame() }
                group.addTask {
                    try await Task.sleep(for: .seconds(30))
                    throw UnexpectedResponse(description: "the socket was not closed within 30 s of its token's expiry")
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            #expect(close?.closeCode == .unknown(4001))
        }
    }

    @Test("a frame over 64 KiB closes the socket with 1009")
    func oversizedFrame() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let (socket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            socket.sendRaw(String(repeating: "x", count: 70 * 1024))
            let close = try await socket.closeFrame()
            #expect(close?.closeCode == .messageTooLarge)
        }
    }

    @Test("browser origins must be allowed; native clients without one, or with a non-web scheme, are let in")
    func origins() async throws {
        try await TestApp.run(.live, changing: .init { $0.allowedOrigins = ["https://chat.example.org"] }) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            func upgrade(_ origin: String?) async throws -> String {
                let headers = origin.map { ["Origin: \($0)"] } ?? []
                return try await RawHTTP.converse(
                    port: port,
                    request: RawHTTP.upgradeRequest("/ws?token=\(ann.token)", headers: headers),
                    // A refusal ends with the server closing; an upgrade stays open, so its 101 ends the read.
                    timeout: .seconds(10),
                    until: "Sec-WebSocket-Accept"
                ).text
            }
            #expect(try await upgrade("https://evil.example.com").hasPrefix("HTTP/1.1 403"))
            #expect(try await upgrade("https://evil.example.com").contains("origin_not_allowed"))
            #expect(try await upgrade("null").hasPrefix("HTTP/1.1 403"))
            #expect(try await upgrade("https://chat.example.org").hasPrefix("HTTP/1.1 101"))
            #expect(try await upgrade("HTTPS://CHAT.example.org:443").hasPrefix("HTTP/1.1 101"))
            #expect(try await upgrade(nil).hasPrefix("HTTP/1.1 101"))
            #expect(try await upgrade("ws://127.0.0.1").hasPrefix("HTTP/1.1 101"))
        }
        let configuration = try ServerConfiguration.resolve(flags: [:], environment: ["PUBLIC_URL": "https://Chat.Example.org:443/"], dotEnv: [:])
        #expect(configuration.effectiveAllowedOrigins == ["https://chat.example.org"])
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.resolve(flags: [:], environment: ["ALLOWED_ORIGINS": "not a url"], dotEnv: [:])
        }
    }
}
