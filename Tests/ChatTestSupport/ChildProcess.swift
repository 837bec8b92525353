import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A process started from one of the package's built executables, whose output tests can read.
public final class ChildProcess: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) {
            self.description = description
        }
    }

    public let process: Process
    private let output: OutputBuffer
    private let errors: OutputBuffer

    /// The folder holding the package's built executables (beside the test bundle).
    public static var binDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    /// Starts `executable` (a product of this package) in `directory`, with a minimal environment plus
    /// `environment`. Standard output and standard error are kept apart unless `mergeOutput`.
    public convenience init(
        _ executable: String,
        arguments: [String] = [],
        in directory: URL? = nil,
        environment: [String: String] = [:],
        stdin: Data? = nil,
        mergeOutput: Bool = false
    ) throws {
        try self.init(
            absolute: Self.binDirectory.appendingPathComponent(executable).path,
            arguments: arguments,
            in: directory,
            environment: environment,
            stdin: stdin,
            mergeOutput: mergeOutput
        )
    }

    /// Starts the program at `path`.
    public init(
        absolute path: String,
        arguments: [String] = [],
        in directory: URL? = nil,
        environment: [String: String] = [:],
        stdin: Data? = nil,
        mergeOutput: Bool = false
    ) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let inherited = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG", "LC_ALL"].contains($0.key) }
        process.environment = inherited.merging(environment) { $1 }
        let output = OutputBuffer()
        let errors = mergeOutput ? output : OutputBuffer()
        let outPipe = Pipe()
        let errPipe = mergeOutput ? outPipe : Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        let inPipe = Pipe()
        process.standardInput = inPipe
        try process.run()
        output.read(outPipe.fileHandleForReading)
        if !mergeOutput { errors.read(errPipe.fileHandleForReading) }
        if let stdin { inPipe.fileHandleForWriting.write(stdin) }
        try? inPipe.fileHandleForWriting.close()
        self.process = process
        self.output = output
        self.errors = errors
    }

    /// Runs `executable` (a product of this package) to completion: its status, standard output and error.
    public static func run(
        _ executable: String,
        arguments: [String] = [],
        in directory: URL? = nil,
        environment: [String: String] = [:],
        stdin: Data? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await Self.run(
            absolute: Self.binDirectory.appendingPathComponent(executable).path,
            arguments: arguments,
            in: directory,
            environment: environment,
            stdin: stdin,
            timeout: timeout
        )
    }

    /// Runs the program at `path` to completion.
    public static func run(
        absolute path: String,
        arguments: [String] = [],
        in directory: URL? = nil,
        environment: [String: String] = [:],
        stdin: Data? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try ChildProcess(absolute: path, arguments: arguments, in: directory, environment: environment, stdin: stdin)
        let status = try await child.wait(timeout: timeout)
        return (status, child.stdout, child.stderr)
    }

    /// Standard output so far (both streams when merged).
    public var stdout: String { self.output.text }
    /// Standard error so far.
    public var stderr: String { self.errors.text }

    /// Waits for the process to exit and returns its status, after its output has been read.
    @discardableResult
    public func wait(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while self.process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(self.process.processIdentifier, SIGKILL)
                throw Failure(
                    description: "\(self.process.executableURL?.lastPathComponent ?? "process") did not exit in time:\n\(self.stdout)\n\(self.stderr)"
                )
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        // The readers take what the process wrote last, up to the end of each stream; a daemon the process
        // left behind may hold a stream open, hence the deadline.
        let drained = ContinuousClock.now + .seconds(2)
        while !(self.output.ended && self.errors.ended), ContinuousClock.now < drained {
            try await Task.sleep(for: .milliseconds(5))
        }
        return self.process.terminationStatus
    }

    /// Sends `signal` and waits for the process to exit; returns its status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(15)) async throws -> Int32 {
        if self.process.isRunning { kill(self.process.processIdentifier, signal) }
        return try await self.wait(timeout: timeout)
    }

    deinit {
        if self.process.isRunning { kill(self.process.processIdentifier, SIGKILL) }
    }
}

/// What a process writes to one pipe, read to its end while tests look at it.
///
/// A thread of its own reads the pipe: `FileHandle.readabilityHandler` now and then crashes libdispatch on
/// Linux (swift-corelibs-foundation#3276), and does not report the end of the stream.
final class OutputBuffer: Sendable {
    private let storage = Mutex((data: Data(), ended: false))

    /// Starts reading `handle` until the writing end is closed by every process that held it.
    func read(_ handle: FileHandle) {
        let thread = Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 16_384)
            while true {
                let count = chunk.withUnsafeMutableBytes { Glibc.read(handle.fileDescriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    self.storage.withLock { $0.data.append(contentsOf: chunk[0..<count]) }
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            self.storage.withLock { $0.ended = true }
        }
        thread.start()
    }

    var text: String { String(decoding: self.storage.withLock { $0.data }, as: UTF8.self) }

    /// Whether the stream has ended.
    var ended: Bool { self.storage.withLock { $0.ended } }
}
