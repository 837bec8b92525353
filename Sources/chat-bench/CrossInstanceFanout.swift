import Foundation

/// `fanout --instances 2`: two chat-server instances on one PostgreSQL. Each group's sender and half its members
/// are on the first instance, the other half on the second, which hears of each message through PostgreSQL's
/// `NOTIFY`. The single-instance capacity comes first (every member on the first instance, closed loop); then an
/// open loop at a quarter of it times deliveries on each side. Goal: the far side's p99 ≤ the near side's + 5 ms,
/// and no message lost.
struct CrossInstanceFanout {
    func run(_ bench: Bench) async throws -> ScenarioResult {
        let plan = bench.plan
        guard let databaseURL = plan.postgresURL else { throw BenchError("--instances 2 needs --database-url") }
        let (groups, members) = (plan.fanoutGroups, plan.fanoutMembers)
        bench.progress.phase("fanout: starting 2 chat-server instances on one PostgreSQL, \(groups * members) members")
        let near = try await bench.startChatServer(in: "fanout-instance-1", databaseURL: databaseURL)
        return try await near.stopping { near in
            let far = try await bench.startChatServer(in: "fanout-instance-2", databaseURL: databaseURL)
            return try await far.stopping { far in try await self.measure(near: near, far: far, bench: bench) }
        }
    }

    private func measure(near: ServerHandle, far: ServerHandle, bench: Bench) async throws -> ScenarioResult {
        let plan = bench.plan
        let (groups, members) = (plan.fanoutGroups, plan.fanoutMembers)
        let (groupIDs, tokens) = try await FanoutScenario.formGroups(on: near, bench: bench)

        let single = FanoutLoad(groups: groupIDs, members: members)
        try await single.connect(to: near, tokens: tokens, bench: bench)
        let capacity = try await FanoutScenario().capacity(of: single, server: near, bench: bench, label: "fanout, one instance")
        single.disconnect()

        // Members alternate between the instances; the sender (member 0) is on the near one.
        let load = FanoutLoad(groups: groupIDs, members: members)
        try await load.connect(to: [near, far], tokens: tokens, bench: bench) { $0 % 2 }
        defer { load.disconnect() }
        let messagesPerSecond = capacity.deliveriesPerSecond / 4 / Double(members)
        bench.progress.phase("fanout: open loop at \(Int(messagesPerSecond)) messages/s (a quarter of one instance's capacity), 2 instances")
        let sentBefore = load.deliveries.load(ordering: .relaxed)
        await FanoutScenario.openLoop(load, messagesPerSecond: messagesPerSecond, bench: bench)

        let (nearP99, farP99) = (load.latency.milliseconds(at: 99), load.farLatency.milliseconds(at: 99))
        var result = ScenarioResult(scenario: FanoutScenario.name)
        result.add("instances", 2)
        result.add("groups", groups)
        result.add("members_per_group", members)
        result.add("single_instance_deliveries_per_s", capacity.deliveriesPerSecond, digits: 0)
        result.add("open_loop_messages_per_s", messagesPerSecond, digits: 0)
        result.add("open_loop_deliveries", load.deliveries.load(ordering: .relaxed) - sentBefore)
        result.add("same_instance_p50_ms", load.latency.milliseconds(at: 50))
        result.add("same_instance_p99_ms", nearP99)
        result.add("cross_instance_p50_ms", load.farLatency.milliseconds(at: 50))
        result.add("cross_instance_p99_ms", farP99)
        result.add("lost", load.undelivered)
        result.add("send_errors", load.errors.value)
        result.add("sockets_closed_by_server", load.closedSockets.value)
        let close = nearP99.flatMap { near in farP99.map { $0 <= near + 5 } }
        result.goal("goal_cross_instance_p99", "cross-instance p99 ≤ same-instance p99 + 5 ms", met: close)
        result.goal("goal_nothing_lost", "every message reached every member on both instances", met: load.undelivered == 0 && load.errors.value == 0)
        return result
    }
}
