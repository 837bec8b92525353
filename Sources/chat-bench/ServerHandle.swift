import AsyncHTTPClient
import Foundation

/// A server under load: a process this run started (chat-server or the bare baseline), or one already running.
final class ServerHandle: @unchecked Sendable {
    // @unchecked: `Process` is only touched from the scenario's task; the rest is immutable.
    let host: String
    let port: Int
    let pid: Int32?
    private let process: Process?
    private let logFile: URL?

    /// `http://host:port`.
    let baseURL: String

    init(external url: String, pid: Int32?) {
        let components = URLComponents(string: url)
        self.host = components?.host ?? "127.0.0.1"
        self.port = components?.port ?? (components?.scheme == "https" ? 443 : 80)
        self.baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.pid = pid
        self.process = nil
        self.logFile = nil
    }

    private init(port: Int, process: Process, logFile: URL) {
        self.host = "127.0.0.1"
        self.port = port
        self.baseURL = "http://127.0.0.1:\(port)"
        self.pid = process.processIdentifier
        self.process = process
        self.logFile = logFile
    }

    /// Starts `executable` on a free port (`PORT`) and waits until `GET /healthz` answers 200.
    static func launch(
        executable: String,
        arguments: [String],
        environment: [String: String],
        logFile: URL,
        http: HTTPClient
    ) async throws -> ServerHandle {
        let port = try FreePort.pick()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment.merging(["PORT": "\(port)"]) { $1 }) { $1 }
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let server = ServerHandle(port: port, process: process, logFile: logFile)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw BenchError("\(executable) exited with status \(process.terminationStatus): \(server.logTail())")
            }
            if await server.isHealthy(http: http) { return server }
            try await Task.sleep(for: .milliseconds(50))
        }
        await server.stop()
        throw BenchError("\(executable) did not answer /healthz within 60 s: \(server.logTail())")
    }

    /// Whether `GET /healthz` answers 200.
    func isHealthy(http: HTTPClient) async -> Bool {
        let request = HTTPClientRequest(url: "\(self.baseURL)/healthz")
        guard let response = try? await http.execute(request, timeout: .seconds(2)) else { return false }
        _ = try? await response.body.collect(upTo: 1 << 16)
        return response.status == .ok
    }

    /// chat-server's SQLite group commits so far and the writes they carried (from `/metrics`); nil when it
    /// reports none, as on PostgreSQL.
    func sqliteCommits(http: HTTPClient) async throws -> (commits: Int, writes: Int)? {
        let response = try await http.execute(HTTPClientRequest(url: "\(self.baseURL)/metrics"), timeout: .seconds(10))
        let text = String(buffer: try await response.body.collect(upTo: 16 << 20))
        guard response.status == .ok else { throw BenchError("GET /metrics: HTTP \(response.status.code)") }
        func counter(_ name: String) -> Int? {
            text.split(separator: "\n").first { $0.hasPrefix("\(name) ") }.flatMap { Double($0.split(separator: " ")[1]) }.map { Int($0) }
        }
        guard let commits = counter("chat_sqlite_commits_total"), let writes = counter("chat_sqlite_committed_writes_total") else { return nil }
        return (commits, writes)
    }

    /// The server's resident memory, when its process is known.
    var residentBytes: Int? { self.pid.flatMap(ProcessStats.residentBytes(pid:)) }

    /// CPU seconds the server has used, when its process is known.
    var cpuSeconds: Double? { self.pid.flatMap(ProcessStats.cpuSeconds(pid:)) }

    /// Stops a server this run started: SIGTERM (a graceful stop), then SIGKILL after 15 seconds.
    func stop() async {
        guard let process, process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(15)
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        }
    }

    /// Runs `body`, then stops the server, whether `body` threw or not.
    func stopping<T>(after body: (ServerHandle) async throws -> T) async throws -> T {
        do {
            let value = try await body(self)
            await self.stop()
            return value
        } catch {
            await self.stop()
            throw error
        }
    }

    /// The end of the server's log, for error messages.
    func logTail() -> String {
        guard let logFile, let text = try? String(contentsOf: logFile, encoding: .utf8) else { return "(no log)" }
        let lines = text.split(separator: "\n").suffix(5)
        return lines.isEmpty ? "(empty log)" : lines.joined(separator: " | ")
    }
}
