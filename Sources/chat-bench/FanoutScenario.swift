import ChatCore
import Foundation

/// `fanout`: groups of 100 connected members, one sender each. A closed loop finds the capacity (deliveries/s),
/// then an open loop at half the baseline's capacity times each delivery from send to receipt. Baseline: the
/// bare broadcaster under the same generator. Goals: capacity ≥ 0.8× the baseline, p99 ≤ 50 ms. The same run
/// through `/socket.io/` (websocket transport) is reported beside it.
struct FanoutScenario: Scenario {
    static let name = "fanout"

    func run(_ bench: Bench) async throws -> ScenarioResult {
        let plan = bench.plan
        if plan.instances == 2 { return try await CrossInstanceFanout().run(bench) }
        let (groups, members) = (plan.fanoutGroups, plan.fanoutMembers)

        bench.progress.phase("fanout baseline: bare WebSocket broadcaster, \(groups) groups of \(members)")
        let (baseline, floor) = try await bench.startBareServer().stopping { bare in
            let load = FanoutLoad(groups: Array(repeating: nil, count: groups), members: members)
            try await load.connect(to: bare, tokens: Array(repeating: Array(repeating: nil, count: members), count: groups), bench: bench)
            defer { load.disconnect() }
            let capacity = try await self.capacity(of: load, server: bare, bench: bench, label: "fanout baseline")
            // The same open loop as chat-server's, through the bare broadcaster: what this generator and machine
            // add to every delivery, however fast the server.
            let rate = capacity.deliveriesPerSecond / 2 / Double(members)
            bench.progress.phase("fanout baseline: open loop at \(Int(rate)) messages/s")
            await Self.openLoop(load, messagesPerSecond: rate, bench: bench)
            return (capacity, (p50: load.latency.milliseconds(at: 50), p99: load.latency.milliseconds(at: 99)))
        }

        bench.progress.phase("fanout: starting chat-server, \(groups * members) members")
        return try await bench.chatServer(in: "fanout").stopping { server in
            var result = try await self.measure(server: server, baseline: baseline, bench: bench)
            result.add("baseline_p50_ms", floor.p50)
            result.add("baseline_p99_ms", floor.p99)
            return result
        }
    }

    private func measure(server: ServerHandle, baseline: Capacity, bench: Bench) async throws -> ScenarioResult {
        let plan = bench.plan
        let (groups, members) = (plan.fanoutGroups, plan.fanoutMembers)
        let (groupIDs, tokens) = try await Self.formGroups(on: server, bench: bench)
        let messagesPerSecond = baseline.deliveriesPerSecond / 2 / Double(members)
        // The same members and groups, through `/ws`, then through `/socket.io/` (websocket transport).
        let ws = try await self.run(.webSocket, groups: groupIDs, tokens: tokens, rate: messagesPerSecond, server: server, bench: bench)
        let socketIO = try await self.run(.socketIO, groups: groupIDs, tokens: tokens, rate: messagesPerSecond, server: server, bench: bench)

        var result = ScenarioResult(scenario: Self.name)
        result.add("groups", groups)
        result.add("members_per_group", members)
        result.add("deliveries_per_s", ws.capacity.deliveriesPerSecond, digits: 0)
        result.add("baseline_deliveries_per_s", baseline.deliveriesPerSecond, digits: 0)
        let ratio = ws.capacity.deliveriesPerSecond / baseline.deliveriesPerSecond
        result.add("ratio", ratio)
        result.add("server_cpu_share", ws.capacity.serverShare)
        result.add("generator_cpu_share", ws.capacity.generatorShare)
        result.add("baseline_server_cpu_share", baseline.serverShare)
        result.add("baseline_generator_cpu_share", baseline.generatorShare)
        result.add("open_loop_messages_per_s", messagesPerSecond, digits: 0)
        result.add("open_loop_deliveries", ws.openDeliveries)
        result.add("p50_ms", ws.p50)
        result.add("p99_ms", ws.p99)
        result.add("p999_ms", ws.p999)
        result.add("messages_not_delivered", ws.missing)
        result.add("send_errors", ws.errors)
        result.add("sockets_closed_by_server", ws.closed)
        result.add("socketio_deliveries_per_s", socketIO.capacity.deliveriesPerSecond, digits: 0)
        result.add("socketio_ratio", socketIO.capacity.deliveriesPerSecond / baseline.deliveriesPerSecond)
        result.add("socketio_server_cpu_share", socketIO.capacity.serverShare)
        result.add("socketio_open_loop_deliveries", socketIO.openDeliveries)
        result.add("socketio_p50_ms", socketIO.p50)
        result.add("socketio_p99_ms", socketIO.p99)
        result.add("socketio_p999_ms", socketIO.p999)
        result.add("socketio_messages_not_delivered", socketIO.missing)
        result.add("socketio_send_errors", socketIO.errors)
        result.goal("goal_capacity", "capacity ≥ 0.8 × baseline", met: ratio >= 0.8)
        result.goal("goal_p99", "p99 ≤ 50 ms at half the baseline's capacity", met: ws.p99.map { $0 <= 50 && ws.missing == 0 && ws.errors == 0 })
        return result
    }

    /// What one transport achieved: its closed-loop capacity, then the open loop's latency and losses.
    private struct TransportRun {
        let capacity: Capacity
        let openDeliveries: Int
        let p50: Double?
        let p99: Double?
        let p999: Double?
        let missing: Int
        let errors: Int
        let closed: Int
    }

    /// Connects every member through `transport`, finds the capacity, then runs the open loop at `rate` messages/s.
    private func run(
        _ transport: FanoutLoad.Transport,
        groups groupIDs: [String],
        tokens: [[String?]],
        rate messagesPerSecond: Double,
        server: ServerHandle,
        bench: Bench
    ) async throws -> TransportRun {
        let plan = bench.plan
        let label = transport == .webSocket ? "fanout" : "fanout socket.io"
        let load = FanoutLoad(groups: groupIDs, members: plan.fanoutMembers, transport: transport)
        try await load.connect(to: server, tokens: tokens, bench: bench)
        defer { load.disconnect() }
        let capacity = try await self.capacity(of: load, server: server, bench: bench, label: label)

        // The open loop: messages on a timetable at half the baseline's capacity, spread over the senders.
        bench.progress.phase("\(label): open loop at \(Int(messagesPerSecond)) messages/s (half the baseline's capacity)")
        let sentBefore = load.deliveries.load(ordering: .relaxed)
        await Self.openLoop(load, messagesPerSecond: messagesPerSecond, bench: bench)
        return TransportRun(
            capacity: capacity,
            openDeliveries: load.deliveries.load(ordering: .relaxed) - sentBefore,
            p50: load.latency.milliseconds(at: 50),
            p99: load.latency.milliseconds(at: 99),
            p999: load.latency.milliseconds(at: 99.9),
            missing: load.undelivered,
            errors: load.errors.value,
            closed: load.closedSockets.value
        )
    }

    /// Sends messages on a timetable at `messagesPerSecond` in all, spread over the senders, timing deliveries
    /// after the warm-up; then waits up to 10 s for the last ones.
    static func openLoop(_ load: FanoutLoad, messagesPerSecond: Double, bench: Bench) async {
        let plan = bench.plan
        let groups = load.flows.count
        load.mode = .open
        let interval = Double(groups) / messagesPerSecond * 1e9
        let start = nowNanos() + 10_000_000
        let recordFrom = start + UInt64(plan.warmup * 1e9)
        let end = recordFrom + UInt64(plan.seconds * 1e9)
        await withTaskGroup(of: Void.self) { group in
            for flow in load.flows {
                group.addTask {
                    // Senders are staggered so that their messages do not all leave at once.
                    var due = start + UInt64(interval * Double(flow.index) / Double(groups))
                    while due < end {
                        let now = nowNanos()
                        if due > now { try? await Task.sleep(nanoseconds: due - now) }
                        flow.send(due: due)
                        due += UInt64(interval)
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: recordFrom - min(recordFrom, nowNanos()))
                load.startRecording()
            }
        }
        load.mode = .idle
        await load.drain(timeout: .seconds(10))
        load.stopRecording()
    }

    /// Deliveries per second with `window` messages in flight per sender, and the CPU shares meanwhile.
    func capacity(of load: FanoutLoad, server: ServerHandle, bench: Bench, label: String) async throws -> Capacity {
        let plan = bench.plan
        bench.progress.phase("\(label): closed loop, \(plan.fanoutWindow) messages in flight per sender")
        load.mode = .closed
        for flow in load.flows {
            for _ in 0..<plan.fanoutWindow { flow.send(due: nowNanos()) }
        }
        try await Task.sleep(for: .milliseconds(Int64(plan.warmup * 1000)))
        let before = load.deliveries.load(ordering: .relaxed)
        let cpu = CPUMeter(server: server)
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .milliseconds(Int64(plan.seconds * 1000)) {
            try await Task.sleep(for: .seconds(1))
            let rate = Double(load.deliveries.load(ordering: .relaxed) - before) / (ContinuousClock.now - start).seconds
            bench.progress.update("\(label): \(Int(rate)) deliveries/s")
        }
        let delivered = load.deliveries.load(ordering: .relaxed) - before
        let elapsed = (ContinuousClock.now - start).seconds
        let shares = cpu.shares()
        load.mode = .idle
        await load.drain(timeout: .seconds(10))
        if load.closedSockets.value > 0 {
            throw BenchError("\(label): \(load.closedSockets.value) sockets were closed by the server")
        }
        return Capacity(deliveriesPerSecond: Double(delivered) / elapsed, serverShare: shares.server, generatorShare: shares.generator)
    }

    /// Signs up the plan's groups × members guests on `server` and forms the groups: their ids, and each group's
    /// tokens, its owner (the sender) first.
    static func formGroups(on server: ServerHandle, bench: Bench) async throws -> (ids: [String], tokens: [[String?]]) {
        let (groups, members) = (bench.plan.fanoutGroups, bench.plan.fanoutMembers)
        let users = try await bench.guests(groups * members, on: server, label: "fanout")
        let api = APIClient(baseURL: server.baseURL, http: bench.http)
        var groupIDs: [String] = []
        var tokens: [[String?]] = []
        for g in 0..<groups {
            let slice = Array(users[(g * members)..<((g + 1) * members)])
            groupIDs.append(try await Self.makeGroup(owner: slice[0], members: slice.dropFirst(), api: api))
            tokens.append(slice.map(\.token))
            bench.progress.update("fanout: \(g + 1)/\(groups) groups formed")
        }
        return (groupIDs, tokens)
    }

    /// Creates a group owned by `owner`, and has every other member join it through one invite.
    static func makeGroup(owner: Member, members: ArraySlice<Member>, api: APIClient) async throws -> String {
        let ownerAPI = api.authenticated(owner.token)
        let group = try await BenchError.wrap("create a group") { () async throws(APIError) in try await ownerAPI.createGroup(name: "fanout") }
        guard !members.isEmpty else { return group.id }
        let invite = try await BenchError.wrap("create an invite") { () async throws(APIError) in
            try await ownerAPI.createInvite(groupID: group.id, expiresInHours: 1, uses: members.count)
        }
        let joiners = Array(members)
        try await concurrently(joiners.count) { index in
            _ = try await BenchError.wrap("accept an invite") { () async throws(APIError) in
                try await api.authenticated(joiners[index].token).acceptInvite(invite.token)
            }
        } done: { _, _ in
        }
        return group.id
    }
}

/// A closed loop's result.
struct Capacity {
    let deliveriesPerSecond: Double
    let serverShare: Double?
    let generatorShare: Double?
}
