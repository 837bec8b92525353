import Foundation
import NIOCore
import Synchronization

/// `connections`: N idle authenticated WebSockets, held, and the server's memory per connection. Baseline: the
/// bare server's memory per connection under the same generator. Goal: all held, at ≤ 1.5× the baseline's KB.
struct ConnectionsScenario: Scenario {
    static let name = "connections"
    /// Connections opened before the first memory reading, so that one-time allocations are not counted.
    static let warmConnections = 100
    /// Connections per source address: past it, the next 127.0.0.x is used, so that ports never run out.
    static let connectionsPerAddress = 20_000

    func run(_ bench: Bench) async throws -> ScenarioResult {
        let count = bench.plan.connections
        bench.progress.phase("connections baseline: \(count) idle sockets on the bare server")
        let baseline = try await bench.startBareServer().stopping { bare in
            try await self.hold(count, tokens: [nil], on: bare, bench: bench, label: "connections baseline")
        }

        bench.progress.phase("connections: \(count) idle authenticated sockets on chat-server")
        let held = try await bench.chatServer(in: "connections").stopping { server in
            let users = try await bench.guests(min(count, 1000), on: server, label: "connections")
            return try await self.hold(count, tokens: users.map(\.token), on: server, bench: bench, label: "connections")
        }

        var result = ScenarioResult(scenario: Self.name)
        result.add("connections_opened", count)
        result.add("connections", held.connections)
        result.add("open_files_limit", bench.openFilesLimit)
        result.add("server_rss_mb", held.rssBytes.map { Double($0) / 1_048_576 }, digits: 1)
        result.add("kb_per_connection", held.kilobytesPerConnection, digits: 1)
        result.add("baseline_connections", baseline.connections)
        result.add("baseline_rss_mb", baseline.rssBytes.map { Double($0) / 1_048_576 }, digits: 1)
        result.add("baseline_kb_per_connection", baseline.kilobytesPerConnection, digits: 1)
        let ratio = held.kilobytesPerConnection.flatMap { kb in baseline.kilobytesPerConnection.map { kb / $0 } }
        result.add("ratio", ratio)
        result.goal("goal_held", "every connection held", met: held.connections == count)
        result.goal("goal_memory", "≤ 1.5 × the baseline's KB per connection", met: ratio.map { $0 <= 1.5 })
        return result
    }

    /// What holding the connections cost.
    struct Held {
        let connections: Int
        let rssBytes: Int?
        let kilobytesPerConnection: Double?
    }

    /// Opens `count` sockets (round-robin over `tokens`), waits until each got its first frame, lets them idle,
    /// and reads the server's memory; then closes them.
    private func hold(_ count: Int, tokens: [String?], on server: ServerHandle, bench: Bench, label: String) async throws -> Held {
        let ready = Counter()
        let closed = Counter()
        var sockets: [BenchSocket] = []
        sockets.reserveCapacity(count)
        defer { for socket in sockets { socket.close() } }
        var rssBefore: Int?
        var opened = 0
        while opened < count {
            let batch = min(count - opened, opened < Self.warmConnections ? Self.warmConnections : 200)
            let first = opened
            let eventLoops = bench.eventLoops
            let batchSockets = try await withThrowingTaskGroup(of: BenchSocket.self) { group in
                for i in first..<(first + batch) {
                    let token = tokens[i % tokens.count]
                    let address = i < Self.connectionsPerAddress ? nil : "127.0.0.\(1 + i / Self.connectionsPerAddress)"
                    group.addTask {
                        try await BenchSocket.connect(
                            host: server.host,
                            port: server.port,
                            path: "/ws",
                            token: token,
                            from: address,
                            on: eventLoops,
                            onText: { frame in if LoadMark.isReady(frame) { ready.increment() } },
                            onClose: { closed.increment() }
                        )
                    }
                }
                var opened: [BenchSocket] = []
                for try await socket in group { opened.append(socket) }
                return opened
            }
            sockets += batchSockets
            opened += batch
            try await ready.wait(until: opened)
            if opened == Self.warmConnections, count > Self.warmConnections {
                try await Task.sleep(for: .milliseconds(500))
                rssBefore = server.residentBytes
            }
            bench.progress.update("\(label): \(opened)/\(count) connected")
        }
        try await Task.sleep(for: .seconds(bench.options.quick ? 2 : 5))
        let rssAfter = server.residentBytes
        let held = count - closed.value
        var perConnection: Double?
        if let rssBefore, let rssAfter, count > Self.warmConnections {
            perConnection = Double(rssAfter - rssBefore) / 1024 / Double(count - Self.warmConnections)
        }
        return Held(connections: held, rssBytes: rssAfter, kilobytesPerConnection: perConnection)
    }
}
