import CSpawnShim
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A program started with posix_spawn, waited for with waitpid.
///
/// `Foundation.Process` is not used: on Linux it learns that a child exited when a socket the child inherits
/// reaches its end, and it creates that socket (and its pipes) without close-on-exec, so a program another test
/// starts at the same moment may inherit them and hide the exit until it ends itself. Here a child inherits
/// its three standard streams and nothing else (every other descriptor is closed in the spawn itself), and the
/// pipes the tests keep are close-on-exec.
public final class SpawnedProcess: Sendable {
    public let processIdentifier: pid_t
    /// The wait status, once reaped.
    private let status = Mutex<Int32?>(nil)

    /// Starts `path` in `directory` with exactly `environment`, its standard streams on `streams` (descriptors
    /// of this process, duplicated onto 0, 1 and 2 in the child).
    public init(path: String, arguments: [String], directory: String?, environment: [String: String], streams: (Int32, Int32, Int32)) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        for (source, target) in [(streams.0, Int32(0)), (streams.1, 1), (streams.2, 2)] {
            posix_spawn_file_actions_adddup2(&actions, source, target)
        }
        cspawn_add_closefrom(&actions, 3)
        if let directory { cspawn_add_chdir(&actions, directory) }
        // Its own process group, default signal handling and no blocked signals, whatever the test runner set.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw ChildProcess.Failure(description: "cannot start \(path): \(String(cString: strerror(result)))") }
        self.processIdentifier = pid
    }

    /// Whether the program still runs (reaps it once it has exited).
    public var isRunning: Bool {
        self.status.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            let result = waitpid(self.processIdentifier, &raw, WNOHANG)
            if result == self.processIdentifier {
                status = raw
            } else if result < 0, errno != EINTR {
                status = -1
            }
            return status == nil
        }
    }

    /// The exit status, or the number of the signal that ended the program (as `Foundation.Process` says it).
    public var terminationStatus: Int32 {
        let raw = self.status.withLock { $0 } ?? -1
        // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out: the macros are not imported.
        return raw & 0x7F == 0 ? (raw >> 8) & 0xFF : raw & 0x7F
    }

    /// Sends SIGTERM.
    public func terminate() { kill(self.processIdentifier, SIGTERM) }

    /// Waits for the program to exit, polling, for at most `timeout`; `false` if it still runs.
    public func wait(timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while self.isRunning {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    deinit {
        guard self.isRunning else { return }
        kill(self.processIdentifier, SIGKILL)
        var raw: Int32 = 0
        while waitpid(self.processIdentifier, &raw, 0) < 0, errno == EINTR {}
    }
}

/// Runs a program with its standard streams on /dev/null: the wait ends when the program exits even if it
/// left a daemon behind (tmux does).
public enum Spawn {
    public static func run(
        _ path: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Duration = .seconds(60)
    ) async throws -> Int32 {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard null >= 0 else { throw ChildProcess.Failure(description: "cannot open /dev/null") }
        defer { close(null) }
        let inherited = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME"].contains($0.key) }
        let process = try SpawnedProcess(
            path: path,
            arguments: arguments,
            directory: nil,
            environment: inherited.merging(environment) { $1 },
            streams: (null, null, null)
        )
        guard try await process.wait(timeout: timeout) else {
            kill(process.processIdentifier, SIGKILL)
            throw ChildProcess.Failure(description: "\(path) did not exit in \(timeout)")
        }
        return process.terminationStatus
    }
}
