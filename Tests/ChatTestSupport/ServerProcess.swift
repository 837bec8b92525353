import Foundation

/// A real `chat-server` process, waited for until it listens.
public final class ServerProcess: Sendable {
    public let child: ChildProcess
    /// The port it listens on, read from its log.
    public let port: Int

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(self.port)" }

    /// Starts `chat-server` in `directory` with `arguments` and `environment`, and waits until it listens.
    /// `PORT` defaults to 0, so the system picks a free port; the port is read from the info-level log, so
    /// `LOG_LEVEL` must stay at `info` or below.
    public static func start(
        in directory: URL,
        arguments: [String] = [],
        environment: [String: String] = [:],
        timeout: Duration = .seconds(30)
    ) async throws -> ServerProcess {
        let child = try ChildProcess(
            "chat-server",
            arguments: arguments,
            in: directory,
            // Rate limits off unless a test turns them on: tests create users and messages in bursts.
            environment: ["PORT": "0", "RATE_LIMITS": "off"].merging(environment) { $1 },
            mergeOutput: true
        )
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = child.stdout
            if let range = text.range(of: "listening on "), let port = Self.port(in: text[range.upperBound...]) {
                return ServerProcess(child: child, port: port)
            }
            guard child.process.isRunning else {
                throw ChildProcess.Failure(description: "chat-server exited with \(child.process.terminationStatus):\n\(text)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        child.process.terminate()
        throw ChildProcess.Failure(description: "chat-server did not start listening in time:\n\(child.stdout)")
    }

    /// Runs `chat-server` to completion (for the cases where it refuses to start): status and output.
    public static func run(in directory: URL, arguments: [String] = [], environment: [String: String] = [:]) async throws -> (Int32, String) {
        let result = try await ChildProcess.run("chat-server", arguments: arguments, in: directory, environment: environment)
        return (result.status, result.stdout + result.stderr)
    }

    private init(child: ChildProcess, port: Int) {
        self.child = child
        self.port = port
    }

    private static func port(in text: Substring) -> Int? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        return Int(text[text.index(after: colon)...].prefix { $0.isNumber })
    }

    /// Everything the process has printed so far.
    public var log: String { self.child.stdout }

    /// Waits until the log contains `text`, for at most `timeout`.
    public func waitForLog(_ text: String, timeout: Duration = .seconds(30)) async throws {
        try await self.waitForLogLine(containing: [text], timeout: timeout)
    }

    /// Waits until one line of the log contains every one of `texts`, for at most `timeout`.
    public func waitForLogLine(containing texts: [String], timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        let text = texts.joined(separator: "\" … \"")
        while !self.log.split(separator: "\n").contains(where: { line in texts.allSatisfy { line.contains($0) } }) {
            guard ContinuousClock.now < deadline, self.child.process.isRunning else {
                throw ChildProcess.Failure(description: "chat-server never logged \"\(text)\"; its log ends:\n\(self.log.suffix(3000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Sends `signal` and waits for the process to exit; returns its status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async throws -> Int32 {
        do {
            return try await self.child.stop(signal: signal, timeout: timeout)
        } catch {
            throw ChildProcess.Failure(
                description: "chat-server on port \(self.port) did not exit after signal \(signal); its log ends:\n\(self.log.suffix(3000))"
            )
        }
    }
}
