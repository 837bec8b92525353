import AsyncHTTPClient
import ChatCore
import ChatServer
import Foundation
import SQLiteNIO

/// `search`: one-word queries over 1,000,000 messages in 100 groups, seeded straight into the database, by a
/// member of every group. The words range from rare to everywhere: `item…` (about 200 messages each), `topic…`
/// (about 1,000), `tag…` (about 21,000) and `usually` (every message). Goal: p99 ≤ 20 ms. Baseline: the same
/// query through SQLite alone, on the same file, without HTTP and JSON.
struct SearchScenario: Scenario {
    static let name = "search"
    static let groups = 100
    static let pageSize = 20
    /// Message `i` of a group; the word classes above come from it.
    static let text = """
        'message ' || i || ' on topic' || (i % 997) || ' item' || ((i * 7919) % 5003) || ' tag' || (i % 47) \
        || ', about as long as a chat line usually is.'
        """

    func run(_ bench: Bench) async throws -> ScenarioResult {
        guard bench.options.server == nil else {
            throw BenchError("search seeds its database directly, so it starts its own chat-server: drop --server")
        }
        let plan = bench.plan
        let perGroup = max(1, plan.historyMessages / Self.groups)
        let (server, owner) = try await self.seeded(perGroup: perGroup, bench: bench)
        let latency = try await server.stopping { server in
            try await self.queries(count: plan.searchQueries, perGroup: perGroup, bench: bench) { word in
                try await Self.viaHTTP(word, token: owner.token, server: server, bench: bench)
            }
        }
        let path = bench.workDirectory.appendingPathComponent("search/chat.sqlite").path
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        let baseline: LatencyRecorder
        do {
            baseline = try await self.queries(count: plan.searchQueries, perGroup: perGroup, bench: bench) { word in
                try await Self.viaSQLite(word, userID: owner.id, on: connection)
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
        var result = ScenarioResult(scenario: Self.name)
        result.add("messages", perGroup * Self.groups)
        result.add("groups", Self.groups)
        result.add("queries", plan.searchQueries)
        result.add("page_size", Self.pageSize)
        result.add("p50_ms", latency.milliseconds(at: 50), digits: 3)
        result.add("p99_ms", latency.milliseconds(at: 99), digits: 3)
        result.add("baseline_p50_ms", baseline.milliseconds(at: 50), digits: 3)
        result.add("baseline_p99_ms", baseline.milliseconds(at: 99), digits: 3)
        let p99 = latency.milliseconds(at: 99)
        result.goal("goal_p99", "p99 ≤ 20 ms", met: p99.map { $0 <= 20 })
        return result
    }

    /// A one-word query of one of the four classes, taken from a random message `i` so that it finds something.
    static func word(perGroup: Int) -> String {
        let i = Int.random(in: 1...perGroup)
        return switch Int.random(in: 0..<4) {
        case 0: "item\((i * 7919) % 5003)"
        case 1: "topic\(i % 997)"
        case 2: "tag\(i % 47)"
        default: "usually"
        }
    }

    /// `count` random queries one at a time after a warm-up, each of which must find a full page.
    private func queries(count: Int, perGroup: Int, bench: Bench, _ query: (String) async throws -> Int) async throws -> LatencyRecorder {
        let latency = LatencyRecorder()
        let warmup = min(200, count)
        bench.progress.phase("search: \(count) one-word queries")
        for request in 0..<(warmup + count) {
            if request == warmup { latency.start() }
            let word = Self.word(perGroup: perGroup)
            let start = nowNanos()
            let hits = try await query(word)
            latency.record(from: start, to: nowNanos())
            guard hits > 0 else { throw BenchError("search: \"\(word)\" found nothing") }
            if request % 200 == 0 { bench.progress.update("search: \(request)/\(warmup + count) queries") }
        }
        latency.stop()
        return latency
    }

    private static func viaHTTP(_ word: String, token: String, server: ServerHandle, bench: Bench) async throws -> Int {
        var http = HTTPClientRequest(url: "\(server.baseURL)/search?q=\(word)&limit=\(Self.pageSize)")
        http.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await bench.http.execute(http, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 4 << 20)
        guard response.status == .ok else { throw BenchError("search: HTTP \(response.status.code): \(String(buffer: body))") }
        return try ChatJSON.decoder.decode(SearchPage.self, from: Data(buffer: body)).hits.count
    }

    /// The index query alone: the page's keys and texts, with the same membership join as chat-server's.
    private static func viaSQLite(_ word: String, userID: String, on connection: SQLiteConnection) async throws -> Int {
        try await connection.query(
            """
            SELECT m.group_id, m.seq, m.text FROM message_search s CROSS JOIN messages m ON m.search_rowid = s.rowid
            WHERE message_search MATCH ? AND m.group_id IN (SELECT group_id FROM memberships WHERE user_id = ?)
            ORDER BY s.rowid DESC LIMIT ?
            """,
            [.text("\"\(word)\""), .text(userID), .integer(Self.pageSize + 1)]
        ).count
    }

    /// A running chat-server whose owner has `groups` groups of `perGroup` messages each.
    private func seeded(perGroup: Int, bench: Bench) async throws -> (ServerHandle, Member) {
        bench.progress.phase("search: starting chat-server")
        var server = try await bench.chatServer(in: "search")
        let owner = try await bench.guests(1, on: server, label: "search")[0]
        let api = APIClient(baseURL: server.baseURL, http: bench.http).authenticated(owner.token)
        var groupIDs: [String] = []
        for index in 0..<Self.groups {
            let group = try await BenchError.wrap("create a group") { () async throws(APIError) in
                try await api.createGroup(name: "search \(index)")
            }
            groupIDs.append(group.id)
        }
        await server.stop()
        let path = bench.workDirectory.appendingPathComponent("search/chat.sqlite").path
        for (index, groupID) in groupIDs.enumerated() {
            bench.progress.phase("search: seeding group \(index + 1)/\(Self.groups), \(perGroup) messages each")
            try await HistorySeeder.seed(
                path: path,
                groupID: groupID,
                senderID: owner.id,
                count: perGroup,
                idPrefix: "search\(index)-",
                text: Self.text,
                progress: bench.progress
            )
        }
        bench.progress.phase("search: restarting chat-server on the seeded database")
        server = try await bench.startChatServer(in: "search")
        return (server, owner)
    }
}
