import CSpawnShim
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

    public let process: SpawnedProcess
    private let output: OutputBuffer
    private let errors: OutputBuffer
    private let name: String

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
        let inherited = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG", "LC_ALL"].contains($0.key) }
        let input = try ClosingPipe()
        let outPipe = try ClosingPipe()
        let errPipe = mergeOutput ? outPipe : try ClosingPipe()
        self.process = try SpawnedProcess(
            path: path,
            arguments: arguments,
            directory: directory?.path,
            environment: inherited.merging(environment) { $1 },
            streams: (input.reading, outPipe.writing, errPipe.writing)
        )
        // The child has its copies: keeping ours would hide the end of its output.
        input.closeReading()
        outPipe.closeWriting()
        if !mergeOutput { errPipe.closeWriting() }
        self.name = URL(fileURLWithPath: path).lastPathComponent
        self.output = OutputBuffer()
        self.errors = mergeOutput ? self.output : OutputBuffer()
        self.output.read(outPipe.reading)
        if !mergeOutput { self.errors.read(errPipe.reading) }
        if let stdin { input.write(stdin) }
        input.closeWriting()
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
        guard try await self.process.wait(timeout: timeout) else {
            kill(self.process.processIdentifier, SIGKILL)
            throw Failure(description: "\(self.name) did not exit in time:\n\(self.stdout)\n\(self.stderr)")
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

}

/// What a process writes to one pipe, read to its end while tests look at it.
///
/// A thread of its own reads the pipe: `FileHandle.readabilityHandler` now and then crashes libdispatch on
/// Linux (swift-corelibs-foundation#3276), and does not report the end of the stream.
final class OutputBuffer: Sendable {
    private let storage = Mutex((data: Data(), ended: false))

    /// Starts reading `descriptor` until the writing end is closed by every process that held it, then closes it.
    func read(_ descriptor: Int32) {
        let thread = Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 16_384)
            while true {
                let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    self.storage.withLock { $0.data.append(contentsOf: chunk[0..<count]) }
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            close(descriptor)
            self.storage.withLock { $0.ended = true }
        }
        thread.start()
    }

    var text: String { String(decoding: self.storage.withLock { $0.data }, as: UTF8.self) }

    /// Whether the stream has ended.
    var ended: Bool { self.storage.withLock { $0.ended } }
}

/// A pipe whose two ends are close-on-exec: only a child given an end on a standard stream holds it.
final class ClosingPipe: @unchecked Sendable {
    let reading: Int32
    let writing: Int32

    init() throws {
        var descriptors: [Int32] = [-1, -1]
        guard cspawn_pipe_cloexec(&descriptors) == 0 else {
            throw ChildProcess.Failure(description: "pipe: \(String(cString: strerror(errno)))")
        }
        (self.reading, self.writing) = (descriptors[0], descriptors[1])
    }

    func closeReading() { close(self.reading) }
    func closeWriting() { close(self.writing) }

    /// Writes all of `data`, giving up if the reader has gone.
    func write(_ data: Data) {
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = Glibc.write(self.writing, buffer.baseAddress! + offset, buffer.count - offset)
                if count > 0 {
                    offset += count
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}
