import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program with posix_spawn and waits for it with waitpid: unlike `Foundation.Process`, the wait ends
/// when the program exits even if it left a daemon behind (tmux does). Its standard streams are /dev/null.
public enum Spawn {
    public static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Int32 {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try self.runBlocking(path, arguments, environment: environment) })
            }
            thread.start()
        }
    }

    private static func runBlocking(_ path: String, _ arguments: [String], environment: [String: String]) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        let inherited = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME"].contains($0.key) }
        let env = inherited.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        InheritedDescriptors.closeOnExec()
        let status = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard status == 0 else { throw ChildProcess.Failure(description: "posix_spawn \(path): \(String(cString: strerror(status)))") }
        var exitStatus: Int32 = 0
        while waitpid(pid, &exitStatus, 0) < 0, errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, spelled out: the macros are not imported.
        return (exitStatus & 0x7F) == 0 ? (exitStatus >> 8) & 0xFF : -1
    }
}
