import ChatCore
import ChatTestSupport
import Crypto
import Foundation
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
            // The control: the real token upgrades.
            let answer = try await RawHTTP.converse(
                port: port,
                request: RawHTTP.upgradeRequest("/ws?token=\(ann.token)"),
                timeout: .milliseconds(500)
            )
            #expect(answer.text.hasPrefix("HTTP/1.1 101"))
        }
    }

    @Test("an open socket is closed with 4001 when its token expires")
    func tokenExpiry() async throws {
        try await TestApp.run(.live, wallClock: .system, changing: .init { $0.tokenLifetime = .seconds(2) }) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let (socket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            let started = ContinuousClock.now
            let close = try await socket.closeFrame()
            #expect(close?.closeCode == .unknown(4001))
            #expect(ContinuousClock.now - started < .seconds(4))
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
                    timeout: .milliseconds(500)
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
