import Foundation
import Synchronization

/// A real `chat-server` process, started from the binary that `swift build` put beside the test bundle.
final class ServerProcess: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    let process: Process
    /// The port it listens on, read from its log.
    let port: Int
    private let output: OutputBuffer

    /// The folder holding the package's built executables.
    static var binDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    /// Starts `chat-server` in `directory` with `arguments` and `environment` (on top of a minimal PATH/HOME),
    /// and waits until it listens. `PORT` defaults to 0, so the system picks a free port.
    static func start(
        in directory: URL,
        arguments: [String] = [],
        environment: [String: String] = [:],
        timeout: Duration = .seconds(30)
    ) async throws -> ServerProcess {
        let (process, output) = try Self.launch(in: directory, arguments: arguments, environment: ["PORT": "0"].merging(environment) { $1 })
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = output.text
            if let range = text.range(of: "listening on "), let port = Self.port(in: text[range.upperBound...]) {
                return ServerProcess(process: process, port: port, output: output)
            }
            guard process.isRunning else { throw Failure(description: "chat-server exited with \(process.terminationStatus):\n\(text)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        throw Failure(description: "chat-server did not start listening in time:\n\(output.text)")
    }

    /// Runs `chat-server` to completion (for the cases where it refuses to start) and returns its status and output.
    static func run(in directory: URL, arguments: [String] = [], environment: [String: String] = [:]) async throws -> (Int32, String) {
        let (process, output) = try Self.launch(in: directory, arguments: arguments, environment: environment)
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        return (process.terminationStatus, output.text)
    }

    private init(process: Process, port: Int, output: OutputBuffer) {
        self.process = process
        self.port = port
        self.output = output
    }

    private static func launch(in directory: URL, arguments: [String], environment: [String: String]) throws -> (Process, OutputBuffer) {
        let process = Process()
        process.executableURL = Self.binDirectory.appendingPathComponent("chat-server")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let inherited = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG"].contains($0.key) }
        process.environment = inherited.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let output = OutputBuffer()
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { output.append(String(decoding: data, as: UTF8.self)) }
        }
        try process.run()
        return (process, output)
    }

    private static func port(in text: Substring) -> Int? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        return Int(text[text.index(after: colon)...].prefix { $0.isNumber })
    }

    /// Everything the process has printed so far.
    var log: String { self.output.text }

    /// Sends `signal` and waits for the process to exit; returns its status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(15)) async throws -> Int32 {
        if self.process.isRunning { kill(self.process.processIdentifier, signal) }
        let deadline = ContinuousClock.now + timeout
        while self.process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(self.process.processIdentifier, SIGKILL)
                throw Failure(description: "chat-server did not exit after signal \(signal)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return self.process.terminationStatus
    }

    deinit {
        if self.process.isRunning { kill(self.process.processIdentifier, SIGKILL) }
    }
}

/// Text that a pipe reader appends to while tests read it.
final class OutputBuffer: Sendable {
    private let storage = Mutex("")

    func append(_ text: String) { self.storage.withLock { $0 += text } }

    var text: String { self.storage.withLock { $0 } }
}
