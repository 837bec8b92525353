import ChatCore
import ChatTestSupport
import Foundation
import HummingbirdWSClient
import Synchronization
import Testing

@testable import ChatServer

/// Starts a chat-server process on a SQLite file in `directory`.
func startSQLiteServer(in directory: URL, port: Int = 0, environment: [String: String] = [:]) async throws -> ServerProcess {
    try await ServerProcess.start(
        in: directory,
        environment: ["PORT": String(port), "JWT_SECRET": TestApp.secret, "DATABASE_URL": "sqlite://./chat.sqlite", "BCRYPT_COST": "10"]
            .merging(environment) { $1 }
    )
}

/// The resident memory of a process, in MiB.
func residentMegabytes(_ pid: Int32) -> Double {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kilobytes / 1024
}

@Suite("Resilience of the server process", .serialized)
struct ProcessResilienceTests {
    @Test("SIGTERM: WebSockets close with 1001, Socket.IO sessions get 41, the request in flight finishes, new connections are refused, exit 0")
    func gracefulStop() async throws {
        let directory = try TemporaryDirectory()
        // bcrypt at cost 12 keeps a registration in flight for about 0.3 s (seconds on a loaded machine, but
        // within the 20 s a stop may take); the log shows that it was in flight when the signal came.
        let server = try await startSQLiteServer(in: directory.url, environment: ["BCRYPT_COST": "12", "LOG_LEVEL": "debug"])
        let api = APIClient(baseURL: server.baseURL, timeout: .seconds(60))
        let ann = try await api.guest(displayName: "Ann")
        let (socket, _) = try await WebSocketProbe.connect(port: server.port, token: ann.token)
        let socketIO = EngineIOSocket(port: server.port, query: "EIO=4&transport=websocket")
        socketIO.send("40{\"token\":\"\(ann.token)\"}")
        _ = try await socketIO.first { $0.hasPrefix("42[\"ready\"") }
        let inFlight = Task { try await api.register(email: "late@example.org", password: "a long password", displayName: "Late") }
        // In flight: the server has begun to handle it (its debug line), and it is hashing the password.
        try await server.waitForLogLine(containing: ["Request started", "http.path=/auth/register"])
        kill(server.child.process.processIdentifier, SIGTERM)
        let close = try await socket.closeFrame()
        #expect(close?.closeCode == .goingAway)
        // Socket.IO's "io server disconnect": clients do not reconnect on their own to a server that is stopping.
        _ = try await socketIO.first { $0 == "41" }
        let registered = try await inFlight.value
        #expect(registered.user.email == "late@example.org")
        #expect(try await server.stop() == 0)
        // The registration started before the signal and finished after it.
        let lines = server.log.split(separator: "\n")
        let started = lines.firstIndex { $0.contains("Request started") && $0.contains("http.path=/auth/register") }
        let stopping = lines.firstIndex { $0.contains("Stopping") }
        let finished = lines.firstIndex {
            !$0.contains("Request started") && $0.contains("http.path=/auth/register") && $0.contains("http.status=201")
        }
        #expect(started != nil && stopping != nil && finished != nil)
        if let started, let stopping, let finished {
            #expect(started < stopping && stopping < finished, "in flight when the signal came: \(lines[finished])")
        }
        let refused = await #expect(throws: APIError.self) { try await api.health() }
        if case .unreachable = refused {} else { Issue.record("expected unreachable, got \(String(describing: refused))") }
    }

    @Test("kill -9 in the middle of a write load loses no acknowledged message")
    func killNine() async throws {
        let directory = try TemporaryDirectory()
        let port = FreePort.reserve()
        let server = try await startSQLiteServer(in: directory.url, port: port)
        let api = APIClient(baseURL: server.baseURL, timeout: .seconds(5))
        let ann = try await api.guest(displayName: "Ann")
        let annAPI = api.authenticated(ann.token)
        let group = try await annAPI.createGroup(name: "Durable")
        let acknowledged = Collected<Message>()
        let writers = (0..<4).map { writer in
            Task {
                var count = 0
                while !Task.isCancelled {
                    guard let message = try? await annAPI.sendMessage(groupID: group.id, text: "w\(writer)-\(count)", clientID: "w\(writer)-\(count)")
                    else { return }
                    acknowledged.append(message)
                    count += 1
                }
            }
        }
        // Killed in the middle of the load: once 100 sends are acknowledged, while the writers go on.
        let deadline = ContinuousClock.now + .seconds(60)
        while acknowledged.count < 100, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        kill(server.child.process.processIdentifier, SIGKILL)
        for writer in writers { await writer.value }
        let acked = acknowledged.values
        #expect(acked.count >= 100, "the load wrote \(acked.count) messages in 60 s before the kill")

        let restarted = try await startSQLiteServer(in: directory.url, port: port)
        let stored = try await APIClient(baseURL: restarted.baseURL, token: ann.token).catchUp(groupID: group.id, after: 0)
        let storedByID = Dictionary(uniqueKeysWithValues: stored.map { ($0.id, $0) })
        let lost = acked.filter { storedByID[$0.id] != $0 }
        #expect(lost.isEmpty, "\(lost.count) acknowledged messages lost")
        #expect(stored.map(\.seq) == Array(1...Int64(stored.count)), "seq stays gapless after the crash")
        try await restarted.stop()
    }

    @Test("a reader that stops reading is cut off when its queue is full; the others get everything; memory stays bounded")
    func slowReader() async throws {
        let directory = try TemporaryDirectory()
        let server = try await startSQLiteServer(in: directory.url, environment: ["WS_QUEUE_LIMIT": "64"])
        let api = APIClient(baseURL: server.baseURL)
        let ann = try await api.guest(displayName: "Ann")
        let annAPI = api.authenticated(ann.token)
        let group = try await annAPI.createGroup(name: "Firehose")
        let stalled = try await api.guest(displayName: "Stalled")
        _ = try await api.authenticated(stalled.token).acceptInvite(try await annAPI.createInvite(groupID: group.id).token)

        // The stalled client completes the handshake, then never reads again.
        let slow = try RawSocket(port: server.port, receiveBuffer: 4096)
        slow.send(RawHTTP.upgradeRequest("/ws?token=\(stalled.token)"))
        let (fast, _) = try await WebSocketProbe.connect(port: server.port, token: ann.token)
        let memoryBefore = residentMegabytes(server.child.process.processIdentifier)

        let text = String(repeating: "x", count: 3990)
        let total = 1500
        try await withThrowingTaskGroup(of: Void.self) { senders in
            for sender in 0..<4 {
                senders.addTask {
                    for index in stride(from: sender, to: total, by: 4) {
                        _ = try await annAPI.sendMessage(groupID: group.id, text: "\(index) \(text)", clientID: nil)
                    }
                }
            }
            try await senders.waitForAll()
        }
        var received = Set<Int64>()
        while received.count < total {
            if let message = try await fast.inbox.next(timeout: .seconds(20)).message { received.insert(message.seq) }
        }
        #expect(received == Set(1...Int64(total)))
        let memoryAfter = residentMegabytes(server.child.process.processIdentifier)
        // What the stalled socket got before the cut, then the end of the connection.
        let drained = await slow.drain(timeout: .seconds(10))
        #expect(drained.closedByPeer, "the stalled reader was disconnected")
        #expect(drained.bytes < total * 4000, "it was cut off long before it got everything (\(drained.bytes) bytes)")
        #expect(memoryAfter - memoryBefore < 150, "server memory grew \(memoryAfter - memoryBefore) MiB")
        await fast.close()
        try await server.stop()
    }
}

/// Values appended from several tasks.
final class Collected<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])
    func append(_ value: Value) { self.storage.withLock { $0.append(value) } }
    var values: [Value] { self.storage.withLock { $0 } }
    var count: Int { self.storage.withLock { $0.count } }
}
