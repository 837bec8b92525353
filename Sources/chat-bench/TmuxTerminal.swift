import ChatTUI
import Foundation

/// A private tmux server (its own socket) in which chat-bench launches chat-tui in a real terminal.
struct TmuxTerminal {
    let socket: String

    init(socket: String) throws {
        self.socket = socket
        // A session that lives for the whole run keeps the tmux server up, so each launch pays only for itself.
        try self.tmux(["new-session", "-d", "-s", "keep", "-x", "100", "-y", "30", "cat"])
    }

    /// Launches `executable` with `home` as CHAT_HOME and returns the steps it reports (milliseconds since just
    /// before the launch, the first of each name) once it has reported `mark`.
    func launch(_ executable: String, home: URL, until mark: String) async throws -> [String: Double] {
        let report = home.appendingPathComponent("start-report")
        try? FileManager.default.removeItem(at: report)
        let environment = [
            "CHAT_HOME=\(home.path)", "CHAT_TUI_START_REPORT=\(report.path)", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "TERM=screen-256color",
        ]
        let start = StartupReport.nowMicroseconds()
        let command = "exec env \(environment.joined(separator: " ")) CHAT_TUI_START_T0=\(start) '\(executable)'"
        try self.tmux(["new-session", "-d", "-s", "run", "-x", "120", "-y", "40", command])
        defer { try? self.tmux(["kill-session", "-t", "run"]) }
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            var steps: [String: Double] = [:]
            for line in (try? String(contentsOf: report, encoding: .utf8))?.split(separator: "\n") ?? [] {
                let parts = line.split(separator: " ")
                guard parts.count == 2, let microseconds = Double(parts[1]), steps[String(parts[0])] == nil else { continue }
                steps[String(parts[0])] = microseconds / 1000
            }
            if steps[mark] != nil { return steps }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw BenchError("chat-tui reported no \(mark) within 20 s (home \(home.path))")
    }

    func shutdown() { try? self.tmux(["kill-server"]) }

    /// Runs tmux and waits for it (posix_spawn and waitpid: Foundation's Process may never see a short-lived
    /// child exit when waited on from a task).
    private func tmux(_ arguments: [String]) throws {
        let argv = ["tmux", "-L", self.socket] + arguments
        var pointers: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, "tmux", &actions, nil, &pointers, environ)
        guard spawned == 0 else { throw BenchError("cannot run tmux (apt-get install tmux): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        guard status == 0 else {
            throw BenchError("tmux \(arguments.first ?? "") failed (status \(status))")
        }
    }
}
