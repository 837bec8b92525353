import ChatCore
import ChatTestSupport
import Foundation
import Testing

@testable import ChatServer

@Suite("Logs and metrics")
struct ObservabilityTests {
    @Test("logs at info carry request ids and never a token, a password or a message text")
    func noSecretsInLogs() async throws {
        let directory = try TemporaryDirectory()
        let server = try await startSQLiteServer(in: directory.url, environment: ["LOG_LEVEL": "info"])
        let api = APIClient(baseURL: server.baseURL)
        let password = "correct-horse-battery-staple"
        let auth = try await api.register(email: "ann@example.org", password: password, displayName: "Ann")
        _ = try await api.login(email: "ann@example.org", password: password)
        _ = try? await api.login(email: "ann@example.org", password: "wrong-\(password)")
        let annAPI = api.authenticated(auth.token)
        let group = try await annAPI.createGroup(name: "Private")
        let secretText = "the launch code is 0000"
        _ = try await annAPI.sendMessage(groupID: group.id, text: secretText, clientID: nil)
        let invite = try await annAPI.createInvite(groupID: group.id)
        let (socket, _) = try await WebSocketProbe.connect(port: server.port, token: auth.token, inQuery: true)
        try socket.send(.messageSend(groupId: group.id, text: "\(secretText) over ws", clientId: "c"))
        _ = try await socket.inbox.first { $0.ack }
        await socket.close()
        try await server.stop()
        let log = server.log
        #expect(log.contains("hb.request.id="))
        for secret in [password, auth.token, secretText, invite.token, String(auth.token.prefix(40))] {
            #expect(!log.contains(secret), "the log contains a secret")
        }
    }

    @Test("GET /metrics reports requests, WebSocket connections, messages and fan-out latency")
    func metrics() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let (socket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            _ = try await api.send(ann.token, group: group.id, text: "one")
            _ = try await socket.inbox.first { $0.message }
            let response = try await api.call(.get, "/metrics")
            let text = String(buffer: response.body)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(
                text.contains(#"chat_http_requests_total{method="POST",route="/groups/{id}/messages",status="201"} 1"#)
                    || text.contains(#"route="/groups/:id/messages""#)
            )
            #expect(text.contains("chat_messages_total 1"))
            #expect(text.contains("chat_websocket_connections_open 1"))
            #expect(text.contains("chat_fanout_seconds_bucket"))
            #expect(text.contains("chat_fanout_deliveries_total"))
            await socket.close()
        }
    }

    @Test("GET /metrics counts the SQLite writer's commits and the writes they carried")
    func groupCommitMetrics() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let (socket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            let before = try await Self.commitCounters(api)
            let count = 40
            for index in 0..<count {
                try socket.send(.messageSend(groupId: group.id, text: "m\(index)", clientId: "c\(index)"))
            }
            var seqs: Set<Int64> = []
            while seqs.count < count {
                seqs.insert(try await socket.inbox.first { $0.ack }.message.seq)
            }
            let after = try await Self.commitCounters(api)
            // Each send is one write; a commit carries at least one, so there are never more commits than writes.
            #expect(after.writes - before.writes >= count)
            #expect(after.commits > before.commits)
            #expect(after.commits - before.commits <= after.writes - before.writes)
            await socket.close()
        }
    }

    /// `chat_sqlite_commits_total` and `chat_sqlite_committed_writes_total` from `/metrics`.
    private static func commitCounters(_ api: API) async throws -> (commits: Int, writes: Int) {
        let text = String(buffer: try await api.call(.get, "/metrics").body)
        func value(_ name: String) throws -> Int {
            let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("\(name) ") }, "no \(name) in /metrics")
            return try #require(Int(line.split(separator: " ")[1]), "\(name) is not a count: \(line)")
        }
        return (try value("chat_sqlite_commits_total"), try value("chat_sqlite_committed_writes_total"))
    }
}
