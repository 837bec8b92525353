import ChatTestSupport
import Foundation
import HummingbirdTesting
import Testing

@testable import ChatServer

@Suite("Connections that never send a request")
struct ConnectionGuardTests {
    @Test("a connection that stays silent is closed after the first-request timeout")
    func silentClient() async throws {
        try await TestApp.run(.live, changing: .init { $0.firstRequestTimeout = .milliseconds(300) }) { api in
            let port = try #require(api.client.port)
            let started = ContinuousClock.now
            let answer = try await RawHTTP.converse(port: port, request: "", timeout: .seconds(10))
            #expect(answer.closedByServer)
            #expect(answer.text.isEmpty)
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test("an idle connection that never sent a request does not hold up a graceful stop")
    func shutdownWithSilentClient() async throws {
        let directory = try TemporaryDirectory()
        let server = try await ServerProcess.start(
            in: directory.url,
            environment: ["JWT_SECRET": TestApp.secret, "DATABASE_URL": "sqlite://./chat.sqlite"]
        )
        let port = server.port
        let (connected, signal) = AsyncStream<Void>.makeStream()
        let silent = Task {
            defer { signal.finish() }
            return try await RawHTTP.converse(port: port, request: "", timeout: .seconds(60), connected: { signal.yield() })
        }
        // The stop starts once the silent client is connected (or has failed to connect, which `silent` reports).
        for await _ in connected { break }
        let started = ContinuousClock.now
        #expect(try await server.stop() == 0)
        // Without the guard the stop would wait for the silent client (60 s here, or the stop's own 30 s
        // deadline); 20 s leaves room for a loaded machine.
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(try await silent.value.closedByServer)
    }
}
