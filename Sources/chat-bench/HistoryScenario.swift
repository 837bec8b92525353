import AsyncHTTPClient
import ChatCore
import Foundation

/// `history`: cursor pages at random depths of a group with 1,000,000 messages, seeded straight into the
/// database, and of a group with 10,000. Goals: page p99 ≤ 5 ms, and ≤ 3× the small group's.
struct HistoryScenario: Scenario {
    static let name = "history"

    func run(_ bench: Bench) async throws -> ScenarioResult {
        let plan = bench.plan
        let sizes = [plan.historyMessages, plan.smallHistoryMessages]
        let (server, owner, groupIDs) = try await self.seeded(sizes, bench: bench)
        let latencies = try await server.stopping { server in
            var latencies: [LatencyRecorder] = []
            for (groupID, size) in zip(groupIDs, sizes) {
                latencies.append(try await self.pages(in: groupID, of: size, token: owner.token, server: server, bench: bench))
            }
            return latencies
        }
        var result = ScenarioResult(scenario: Self.name)
        result.add("messages", plan.historyMessages)
        result.add("small_messages", plan.smallHistoryMessages)
        result.add("page_size", plan.pageSize)
        result.add("pages", plan.historyPages)
        result.add("page_p50_ms", latencies[0].milliseconds(at: 50), digits: 3)
        result.add("page_p99_ms", latencies[0].milliseconds(at: 99), digits: 3)
        result.add("small_p50_ms", latencies[1].milliseconds(at: 50), digits: 3)
        result.add("small_p99_ms", latencies[1].milliseconds(at: 99), digits: 3)
        let (large, small) = (latencies[0].milliseconds(at: 99), latencies[1].milliseconds(at: 99))
        let ratio = large.flatMap { large in small.map { large / $0 } }
        result.add("ratio", ratio)
        result.goal("goal_p99", "page p99 ≤ 5 ms", met: large.map { $0 <= 5 })
        result.goal("goal_ratio", "page p99 ≤ 3 × the small group's", met: ratio.map { $0 <= 3 })
        return result
    }

    /// A running server with one group per size, filled: straight into the SQLite file when this run starts the
    /// server, else through the API (slower: use `--messages` to keep it short).
    private func seeded(_ sizes: [Int], bench: Bench) async throws -> (ServerHandle, Member, [String]) {
        bench.progress.phase("history: starting chat-server")
        var server = try await bench.chatServer(in: "history")
        let owner = try await bench.guests(1, on: server, label: "history")[0]
        let api = APIClient(baseURL: server.baseURL, http: bench.http).authenticated(owner.token)
        var groupIDs: [String] = []
        for size in sizes {
            let group = try await BenchError.wrap("create a group") { () async throws(APIError) in try await api.createGroup(name: "history \(size)")
            }
            groupIDs.append(group.id)
        }
        if bench.options.server != nil {
            for (groupID, size) in zip(groupIDs, sizes) {
                try await Self.seedThroughAPI(groupID, count: size, api: api, bench: bench)
            }
            return (server, owner, groupIDs)
        }
        await server.stop()
        let path = bench.workDirectory.appendingPathComponent("history/chat.sqlite").path
        for (index, (groupID, size)) in zip(groupIDs, sizes).enumerated() {
            bench.progress.phase("history: seeding \(size) messages into the database")
            try await HistorySeeder.seed(
                path: path,
                groupID: groupID,
                senderID: owner.id,
                count: size,
                idPrefix: "seed\(index)-",
                progress: bench.progress
            )
        }
        bench.progress.phase("history: restarting chat-server on the seeded database")
        server = try await bench.startChatServer(in: "history")
        return (server, owner, groupIDs)
    }

    /// Random-depth pages of `group`, one request at a time, after a warm-up.
    private func pages(in groupID: String, of size: Int, token: String, server: ServerHandle, bench: Bench) async throws -> LatencyRecorder {
        let plan = bench.plan
        let latency = LatencyRecorder()
        let warmup = min(200, plan.historyPages)
        bench.progress.phase("history: \(plan.historyPages) random-depth pages of \(plan.pageSize) in a group of \(size)")
        for request in 0..<(warmup + plan.historyPages) {
            if request == warmup { latency.start() }
            let before = Int64.random(in: Int64(plan.pageSize + 1)...Int64(size))
            var http = HTTPClientRequest(
                url: "\(server.baseURL)/groups/\(groupID)/messages?limit=\(plan.pageSize)&cursor=\(Self.cursor(before: before))"
            )
            http.headers.add(name: "Authorization", value: "Bearer \(token)")
            let start = nowNanos()
            let response = try await bench.http.execute(http, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 4 << 20)
            latency.record(from: start, to: nowNanos())
            guard response.status == .ok else { throw BenchError("history page: HTTP \(response.status.code): \(String(buffer: body))") }
            if request == 0 {
                let page = try ChatJSON.decoder.decode(MessagePage.self, from: Data(buffer: body))
                guard page.messages.count == plan.pageSize, page.messages.last?.seq == before - 1 else {
                    throw BenchError("history page: expected \(plan.pageSize) messages before seq \(before), got \(page.messages.count)")
                }
            }
            if request % 500 == 0 { bench.progress.update("history: \(request)/\(warmup + plan.historyPages) pages") }
        }
        latency.stop()
        return latency
    }

    /// The server's cursor for the page before `seq` (base64url of `seq:N`, unpadded).
    static func cursor(before seq: Int64) -> String {
        Data("seq:\(seq)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Sends `count` messages through the API, 32 at a time.
    private static func seedThroughAPI(_ groupID: String, count: Int, api: APIClient, bench: Bench) async throws {
        bench.progress.phase("history: sending \(count) messages through the API (use --messages for fewer)")
        try await concurrently(count) { index in
            _ = try await BenchError.wrap("send a message") { () async throws(APIError) in
                try await api.sendMessage(groupID: groupID, text: "history message \(index)", clientID: nil)
            }
        } done: { _, done in
            if done % 1000 == 0 { bench.progress.update("history: \(done)/\(count) messages sent") }
        }
    }
}
