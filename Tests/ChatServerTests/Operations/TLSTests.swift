import AsyncHTTPClient
import ChatCore
import ChatTestSupport
import Foundation
import NIOCore
import NIOSSL
import Synchronization
import Testing

@Suite("Built-in TLS (TLS_CERT, TLS_KEY)")
struct TLSTests {
    /// HTTPS clients, each trusting one certificate, shut down when the test ends, whether it passed or threw.
    final class Clients: Sendable {
        private let made = Mutex<[HTTPClient]>([])

        /// A client that trusts `certificate` only; `http1Only` refuses HTTP/2.
        func trusting(_ certificate: TestCertificate, http1Only: Bool = false) -> HTTPClient {
            var configuration = HTTPClient.Configuration(tlsConfiguration: certificate.clientConfiguration)
            configuration.httpVersion = http1Only ? .http1Only : .automatic
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            self.made.withLock { $0.append(client) }
            return client
        }

        static func using(_ body: (Clients) async throws -> Void) async throws {
            let clients = Clients()
            do {
                try await body(clients)
            } catch {
                for client in clients.made.withLock({ $0 }) { try? await client.shutdown() }
                throw error
            }
            for client in clients.made.withLock({ $0 }) { try await client.shutdown() }
        }
    }

    static func get(_ client: HTTPClient, port: Int, path: String = "/healthz") async throws -> HTTPClientResponse {
        try await LiveHTTP.send(.GET, "https://127.0.0.1:\(port)\(path)", client: client).response
    }

    static func post<Body: Encodable>(
        _ client: HTTPClient,
        port: Int,
        path: String,
        token: String? = nil,
        json: Body
    ) async throws -> (HTTPClientResponse, ByteBuffer) {
        try await LiveHTTP.send(.POST, "https://127.0.0.1:\(port)\(path)", token: token, json: json, client: client)
    }

    @Test("HTTPS with HTTP/2 for clients that offer it, HTTP/1.1 for the others, WSS, and invite links on https://")
    func servesHTTPSAndWSS() async throws {
        try await Clients.using { clients in
            let directory = try TemporaryDirectory()
            let certificate = try TestCertificate(named: "first", in: directory.url)
            let server = try await ServerProcess.start(
                in: directory.url,
                environment: ["TLS_CERT": certificate.certificatePath, "TLS_KEY": certificate.keyPath, "DATABASE_URL": "sqlite://./chat.sqlite"]
            )
            let http2 = clients.trusting(certificate)
            let http1 = clients.trusting(certificate, http1Only: true)
            let overHTTP2 = try await Self.get(http2, port: server.port)
            #expect(overHTTP2.status == .ok)
            #expect(overHTTP2.version == .http2)
            let overHTTP1 = try await Self.get(http1, port: server.port)
            #expect(overHTTP1.status == .ok)
            #expect(overHTTP1.version == .http1_1)

            let (created, body) = try await Self.post(http2, port: server.port, path: "/auth/guest", json: GuestRequest(displayName: "Ada"))
            #expect(created.status == .created)
            let auth = try ChatJSON.decoder.decode(AuthResponse.self, from: body)
            let (groupResponse, groupBody) = try await Self.post(
                http2,
                port: server.port,
                path: "/groups",
                token: auth.token,
                json: CreateGroupRequest(name: "Secure")
            )
            #expect(groupResponse.status == .created)
            let group = try ChatJSON.decoder.decode(Group.self, from: groupBody)
            let (probe, ready) = try await WebSocketProbe.connect(port: server.port, token: auth.token, tls: certificate.clientConfiguration)
            #expect(ready.groups.map(\.id) == [group.id])
            try probe.send(.messageSend(groupId: group.id, text: "over wss", clientId: "c1"))
            let ack = try await probe.inbox.first { $0.ack }
            #expect(ack.message.text == "over wss")
            await probe.close()

            let (inviteResponse, inviteBody) = try await Self.post(
                http1,
                port: server.port,
                path: "/groups/\(group.id)/invites",
                token: auth.token,
                json: CreateInviteRequest(expiresInHours: 1, uses: 1)
            )
            #expect(inviteResponse.status == .created)
            let invite = try ChatJSON.decoder.decode(Invite.self, from: inviteBody)
            #expect(invite.url.hasPrefix("https://127.0.0.1:\(server.port)/join/"), "PUBLIC_URL defaults to https://")
            // Plain HTTP on the TLS port is refused, not served.
            let plain = try? await RawHTTP.exchange(port: server.port, request: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(plain?.hasPrefix("HTTP/1.1 200") != true)
            #expect(try await server.stop() == 0)
        }
    }

    @Test("SIGHUP reloads the certificate: new connections get the new one, an open WebSocket stays, a bad file keeps the old")
    func reloadsOnSIGHUP() async throws {
        try await Clients.using { clients in
            let directory = try TemporaryDirectory()
            let first = try TestCertificate(named: "first", in: directory.url)
            let server = try await ServerProcess.start(
                in: directory.url,
                environment: ["TLS_CERT": first.certificatePath, "TLS_KEY": first.keyPath, "DATABASE_URL": "sqlite://./chat.sqlite"]
            )
            let oldClient = clients.trusting(first, http1Only: true)
            let (_, body) = try await Self.post(oldClient, port: server.port, path: "/auth/guest", json: GuestRequest(displayName: "Ada"))
            let auth = try ChatJSON.decoder.decode(AuthResponse.self, from: body)
            let (_, groupBody) = try await Self.post(
                oldClient,
                port: server.port,
                path: "/groups",
                token: auth.token,
                json: CreateGroupRequest(name: "G")
            )
            let group = try ChatJSON.decoder.decode(Group.self, from: groupBody)
            let (probe, _) = try await WebSocketProbe.connect(port: server.port, token: auth.token, tls: first.clientConfiguration)

            let second = try TestCertificate(named: "second", in: directory.url)
            kill(server.child.process.processIdentifier, SIGHUP)
            try await server.waitForLog("TLS certificate reloaded")
            let newClient = clients.trusting(second, http1Only: true)
            #expect(try await Self.get(newClient, port: server.port).status == .ok)
            // A fresh client that trusts only the old certificate is refused now.
            let staleClient = clients.trusting(first, http1Only: true)
            await #expect(throws: (any Error).self) { _ = try await Self.get(staleClient, port: server.port) }

            // The WebSocket opened before the reload still works.
            let (sent, _) = try await Self.post(
                newClient,
                port: server.port,
                path: "/groups/\(group.id)/messages",
                token: auth.token,
                json: SendMessageRequest(text: "after reload", clientId: nil)
            )
            #expect(sent.status == .created)
            #expect(try await probe.inbox.first { $0.message }.text == "after reload")
            await probe.close()

            // A renewal that went wrong (a truncated file) is logged, and the certificate in use stays.
            try "-----BEGIN CERTIFICATE-----\nnot base64\n".write(toFile: second.certificatePath, atomically: true, encoding: .utf8)
            kill(server.child.process.processIdentifier, SIGHUP)
            try await server.waitForLog("TLS certificate not reloaded")
            #expect(try await Self.get(newClient, port: server.port).status == .ok)
            #expect(try await server.stop() == 0)
        }
    }

    @Test("a missing, unreadable or mismatched file stops the server with one line naming it")
    func badFiles() async throws {
        let directory = try TemporaryDirectory()
        let first = try TestCertificate(named: "first", in: directory.url, fileName: "a")
        let other = try TestCertificate(named: "other", in: directory.url, fileName: "b")
        let cases: [([String: String], String)] = [
            (["TLS_CERT": directory.path("missing.crt"), "TLS_KEY": first.keyPath], "TLS_CERT \(directory.path("missing.crt")) does not exist"),
            (["TLS_CERT": first.keyPath, "TLS_KEY": first.keyPath], "is not a PEM certificate chain"),
            (["TLS_CERT": first.certificatePath, "TLS_KEY": first.certificatePath], "is not a PEM private key"),
            (["TLS_CERT": first.certificatePath, "TLS_KEY": other.keyPath], "does not belong to the first certificate"),
            (["TLS_CERT": first.certificatePath], "TLS_CERT is set but TLS_KEY is not"),
        ]
        for (environment, expected) in cases {
            let (status, output) = try await ServerProcess.run(in: directory.url, environment: environment)
            #expect(status == 1, "\(environment)")
            #expect(output.split(separator: "\n").count == 1, "\(output)")
            #expect(output.hasPrefix("chat-server: ") && output.contains(expected), "\(output)")
        }
    }
}
