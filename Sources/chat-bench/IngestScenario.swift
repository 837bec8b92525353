import ChatCore
import Foundation
import NIOCore
import Synchronization

/// `ingest`: N clients, each in its own group, send over the WebSocket as fast as acknowledgements allow, one
/// message in flight each. Baseline: `NativeSQLiteBaseline` (the SQLite C API) writing to as many groups as there
/// are clients; the same loop into one group, `SQLiteBaseline` (a SQLiteNIO loop, the baseline before), and the
/// native loop with as many rows per transaction as chat-server's commits carried are reported beside it.
/// Goal: ratio to the native baseline ≥ 0.5.
struct IngestScenario: Scenario {
    static let name = "ingest"

    func run(_ bench: Bench) async throws -> ScenarioResult {
        let plan = bench.plan
        let baselines = try await self.baselines(bench)
        bench.progress.phase("ingest: starting chat-server, \(plan.ingestClients) clients")
        let sqlite = try await bench.chatServer(in: "ingest").stopping { try await self.measure($0, bench: bench, label: "ingest") }
        // The native loop again, with as many rows per transaction as chat-server's commits carried: the 64
        // clients, one message in flight each, never give its writer 100 writes to commit together.
        var sameBatch: Double?
        if baselines != nil, let batch = sqlite.writesPerCommit {
            let rows = max(1, Int(batch.rounded()))
            sameBatch = try await self.nativeRate(
                bench,
                folder: "ingest-native-same-batch",
                groups: plan.ingestClients,
                rows: rows,
                "over \(plan.ingestClients) groups"
            )
        }
        var postgres: IngestRun?
        if let url = plan.postgresURL, bench.options.server == nil {
            bench.progress.phase("ingest: starting chat-server on PostgreSQL, \(plan.ingestClients) clients")
            postgres = try await bench.startChatServer(in: "ingest-postgres", databaseURL: url).stopping {
                try await self.measure($0, bench: bench, label: "ingest on PostgreSQL")
            }
        }

        var result = ScenarioResult(scenario: Self.name)
        result.add("clients", plan.ingestClients)
        result.add("seconds", sqlite.seconds, digits: 1)
        result.add("messages_per_s", sqlite.rate, digits: 0)
        result.add("ack_p50_ms", sqlite.p50)
        result.add("ack_p99_ms", sqlite.p99)
        result.add("errors", sqlite.errors)
        result.add("native_baseline_rows_per_s", baselines?.native, digits: 0)
        result.add("native_one_group_rows_per_s", baselines?.nativeOneGroup, digits: 0)
        result.add("baseline_rows_per_s", baselines?.sqliteNIO, digits: 0)
        let ratio = baselines.map { sqlite.rate / $0.native }
        result.add("ratio", ratio)
        result.add("ratio_to_native_one_group", baselines.map { sqlite.rate / $0.nativeOneGroup })
        result.add("ratio_to_sqlitenio_baseline", baselines.map { sqlite.rate / $0.sqliteNIO })
        result.add("server_writes_per_commit", sqlite.writesPerCommit, digits: 1)
        result.add("native_same_batch_rows_per_s", sameBatch, digits: 0)
        result.add("ratio_to_native_same_batch", sameBatch.map { sqlite.rate / $0 })
        result.add("server_cpu_share", sqlite.serverShare)
        result.add("generator_cpu_share", sqlite.generatorShare)
        if let postgres {
            result.add("postgres_messages_per_s", postgres.rate, digits: 0)
            result.add("postgres_ack_p50_ms", postgres.p50)
            result.add("postgres_ack_p99_ms", postgres.p99)
            result.add("postgres_errors", postgres.errors)
            result.add("postgres_server_cpu_share", postgres.serverShare)
        }
        result.goal("goal_ratio", "ratio to the native SQLite baseline ≥ 0.5", met: ratio.map { $0 >= 0.5 })
        return result
    }

    /// What one ingest run on one server achieved.
    private struct IngestRun {
        let seconds: Double
        let rate: Double
        let p50: Double?
        let p99: Double?
        let errors: Int
        let serverShare: Double?
        let generatorShare: Double?
        /// Writes per SQLite commit while measuring (nil on PostgreSQL).
        let writesPerCommit: Double?
    }

    /// Connects the clients, each to a group of its own, and measures their acknowledged sends.
    private func measure(_ server: ServerHandle, bench: Bench, label: String) async throws -> IngestRun {
        let plan = bench.plan
        let members = try await bench.guests(plan.ingestClients, on: server, label: label)
        let api = APIClient(baseURL: server.baseURL, http: bench.http)
        var groupIDs: [String] = []
        for member in members {
            let group = try await BenchError.wrap("create a group") { () async throws(APIError) in
                try await api.authenticated(member.token).createGroup(name: "ingest")
            }
            groupIDs.append(group.id)
        }

        let load = IngestLoad()
        var clients: [IngestClient] = []
        for (index, member) in members.enumerated() {
            clients.append(
                try await IngestClient.connect(index: index, groupID: groupIDs[index], member: member, server: server, load: load, bench: bench)
            )
        }
        try await load.ready.wait(until: clients.count)
        for client in clients { client.sendNext() }

        bench.progress.phase("\(label): warming up for \(Int(plan.warmup)) s")
        try await Task.sleep(for: .milliseconds(Int64(plan.warmup * 1000)))
        load.latency.start()
        let acknowledgedBefore = load.acknowledged.value
        let cpu = CPUMeter(server: server)
        let commitsBefore = try await server.sqliteCommits(http: bench.http)
        let start = ContinuousClock.now
        bench.progress.phase("\(label): measuring for \(Int(plan.seconds)) s")
        while ContinuousClock.now - start < .milliseconds(Int64(plan.seconds * 1000)) {
            try await Task.sleep(for: .seconds(1))
            let sent = load.acknowledged.value - acknowledgedBefore
            bench.progress.update("\(label): \(Int(Double(sent) / (ContinuousClock.now - start).seconds)) messages/s")
        }
        let acknowledged = load.acknowledged.value - acknowledgedBefore
        let elapsed = (ContinuousClock.now - start).seconds
        let shares = cpu.shares()
        let commitsAfter = try await server.sqliteCommits(http: bench.http)
        var writesPerCommit: Double?
        if let before = commitsBefore, let after = commitsAfter, after.commits > before.commits {
            writesPerCommit = Double(after.writes - before.writes) / Double(after.commits - before.commits)
        }
        load.latency.stop()
        load.running.store(false, ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(300))
        for client in clients { client.socket.close() }
        return IngestRun(
            seconds: elapsed,
            rate: Double(acknowledged) / elapsed,
            p50: load.latency.milliseconds(at: 50),
            p99: load.latency.milliseconds(at: 99),
            errors: load.errors.value,
            serverShare: shares.server,
            generatorShare: shares.generator,
            writesPerCommit: writesPerCommit
        )
    }

    /// The baselines' rates: each insert loop on a fresh database that this machine's chat-server migrated, with
    /// users and groups it created.
    private struct Baselines {
        /// The SQLite C API, rows spread over as many groups and senders as the scenario has clients: the goal's.
        let native: Double
        /// The same loop into one group: every row lands at the end of the same B-tree pages, the easier case.
        let nativeOneGroup: Double
        /// The SQLiteNIO loop into one group (the baseline before).
        let sqliteNIO: Double
    }

    /// The baselines; nil when there is no chat-server executable here (with `--server`).
    private func baselines(_ bench: Bench) async throws -> Baselines? {
        guard FileManager.default.isExecutableFile(atPath: bench.chatServerPath) else {
            bench.progress.note("ingest: no chat-server executable here, so no SQLite baseline")
            return nil
        }
        let (rows, groups, seconds) = (SQLiteBaseline.rowsPerTransaction, bench.plan.ingestClients, bench.plan.seconds)
        let native = try await self.nativeRate(bench, folder: "ingest-native-baseline", groups: groups, "over \(groups) groups")
        let oneGroup = try await self.nativeRate(bench, folder: "ingest-native-one-group", groups: 1, "into one group")
        bench.progress.phase("ingest baseline: a SQLiteNIO loop (the baseline before), \(rows) rows per transaction into one group")
        let nio = try await self.baselineDatabase(bench, folder: "ingest-baseline", groups: 1)
        let nioRate = try await SQLiteBaseline.rowsPerSecond(
            path: nio.path,
            groupID: nio.targets[0].groupID,
            senderID: nio.targets[0].senderID,
            seconds: seconds,
            progress: bench.progress
        )
        return Baselines(native: native, nativeOneGroup: oneGroup, sqliteNIO: nioRate)
    }

    /// The native loop's rate on a fresh database with `groups` groups, `rows` rows per transaction.
    private func nativeRate(
        _ bench: Bench,
        folder: String,
        groups: Int,
        rows: Int = NativeSQLiteBaseline.rowsPerTransaction,
        _ spread: String
    ) async throws -> Double {
        bench.progress.phase("ingest baseline: the SQLite C API, \(rows) rows per transaction \(spread)")
        let database = try await self.baselineDatabase(bench, folder: folder, groups: groups)
        return try await NativeSQLiteBaseline.rowsPerSecond(
            path: database.path,
            targets: database.targets,
            rowsPerTransaction: rows,
            seconds: bench.plan.seconds,
            progress: bench.progress
        )
    }

    /// A database in `folder` that chat-server created, with `groups` groups, each made by a user of its own.
    private func baselineDatabase(_ bench: Bench, folder: String, groups: Int) async throws -> (path: String, targets: [BaselineTarget]) {
        let server = try await bench.startChatServer(in: folder)
        let api = APIClient(baseURL: server.baseURL, http: bench.http)
        var targets: [BaselineTarget] = []
        for member in try await bench.guests(groups, on: server, label: "baseline") {
            let group = try await BenchError.wrap("create a group") { () async throws(APIError) in
                try await api.authenticated(member.token).createGroup(name: "baseline")
            }
            targets.append(BaselineTarget(groupID: group.id, senderID: member.id))
        }
        await server.stop()
        return (bench.workDirectory.appendingPathComponent("\(folder)/chat.sqlite").path, targets)
    }
}

/// Counters shared by every ingest client.
final class IngestLoad: Sendable {
    let latency = LatencyRecorder()
    let acknowledged = Counter()
    let errors = Counter()
    let ready = Counter()
    let running = Atomic<Bool>(true)
}

/// One sending client: one message in flight, the next sent when its acknowledgement arrives.
final class IngestClient: Sendable {
    private let index: Int
    private let groupID: String
    private let load: IngestLoad
    private let state = Mutex<(sentAt: UInt64, count: Int)>((0, 0))
    private let connection = Mutex<BenchSocket?>(nil)

    private init(index: Int, groupID: String, load: IngestLoad) {
        self.index = index
        self.groupID = groupID
        self.load = load
    }

    /// The client's socket.
    var socket: BenchSocket { self.connection.withLock { $0! } }

    /// Connects `member`'s socket; `load.ready` counts it once its `ready` event arrived.
    static func connect(
        index: Int,
        groupID: String,
        member: Member,
        server: ServerHandle,
        load: IngestLoad,
        bench: Bench
    ) async throws -> IngestClient {
        let client = IngestClient(index: index, groupID: groupID, load: load)
        let socket = try await BenchSocket.connect(
            host: server.host,
            port: server.port,
            path: "/ws",
            token: member.token,
            on: bench.eventLoops,
            onText: { frame in client.received(frame) }
        )
        client.connection.withLock { $0 = socket }
        return client
    }

    /// Sends the next message, remembering when.
    func sendNext() {
        let (count, now) = self.state.withLock { state -> (Int, UInt64) in
            state.count += 1
            state.sentAt = nowNanos()
            return (state.count, state.sentAt)
        }
        let text = LoadMark.text(group: self.index, index: count, nanos: now)
        self.socket.send(
            #"{"type":"message:send","data":{"groupId":"\#(self.groupID)","text":"\#(text)","clientId":"ingest-\#(self.index)-\#(count)"}}"#
        )
    }

    private func received(_ frame: ByteBuffer) {
        if LoadMark.isAck(frame) {
            self.load.latency.record(from: self.state.withLock { $0.sentAt }, to: nowNanos())
            self.load.acknowledged.increment()
            if self.load.running.load(ordering: .relaxed) { self.sendNext() }
        } else if LoadMark.isError(frame) {
            self.load.errors.increment()
            if self.load.running.load(ordering: .relaxed) { self.sendNext() }
        } else if LoadMark.isReady(frame) {
            self.load.ready.increment()
        }
    }
}
