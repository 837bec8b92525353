import ChatTestSupport
import Foundation

/// A detached tmux session on a private socket, driven like a person at a keyboard.
struct TmuxSession {
    static let binary = ["/usr/bin/tmux", "/usr/local/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var isAvailable: Bool { binary != nil }

    let socket = "chat-e2e-\(UUID().uuidString.prefix(8))"
    let name = "chat"

    /// Starts `command` in a `width` × `height` window, under UTF-8 (`tmux -u`).
    func start(_ command: String, width: Int, height: Int) async throws {
        // The tmux server forks off and stays: wait for the client only (see `Spawn`).
        let status = try await Spawn.run(
            Self.binary!,
            ["-L", self.socket, "-u", "new-session", "-d", "-s", self.name, "-x", "\(width)", "-y", "\(height)", command],
            environment: ["LANG": "C.UTF-8"]
        )
        guard status == 0 else { throw ChildProcess.Failure(description: "tmux new-session exited with \(status)") }
    }

    /// Starts chat-tui (with `arguments`, if any) on `home` and `server`. With `exitFile`, its exit status is
    /// written there when it ends; the window then stays a minute, for the last capture.
    func startChatTUI(
        home: String,
        server: String,
        arguments: String = "",
        environment: [String: String] = [:],
        exitFile: String? = nil,
        width: Int,
        height: Int
    ) async throws {
        let binary = ChildProcess.binDirectory.appendingPathComponent("chat-tui").path
        let recordStatus = exitFile.map { "; echo $? > '\($0)'" } ?? ""
        let extra = environment.sorted { $0.key < $1.key }.map { "\($0.key)='\($0.value)' " }.joined()
        try await self.start(
            "env CHAT_HOME='\(home)' CHAT_SERVER='\(server)' LANG=C.UTF-8 \(extra)'\(binary)'\(arguments)\(recordStatus); sleep 60",
            width: width,
            height: height
        )
    }

    /// The exit status that `startChatTUI` wrote to `file`, waiting up to 15 seconds for it.
    static func exitStatus(in file: String) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(15)
        while !FileManager.default.fileExists(atPath: file), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        return try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    func tmux(_ arguments: [String]) async throws -> String {
        let result = try await ChildProcess.run(absolute: Self.binary!, arguments: ["-L", self.socket] + arguments, environment: ["LANG": "C.UTF-8"])
        guard result.status == 0 else {
            throw ChildProcess.Failure(description: "tmux \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
        return result.stdout
    }

    /// The visible screen as text.
    func capture() async throws -> String {
        try await self.tmux(["capture-pane", "-p", "-t", self.name])
    }

    /// The visible screen with its colours, as escape sequences.
    func captureWithColors() async throws -> String {
        try await self.tmux(["capture-pane", "-p", "-e", "-t", self.name])
    }

    /// Types `text` literally.
    func type(_ text: String) async throws {
        try await self.tmux(["send-keys", "-t", self.name, "-l", text])
    }

    /// Presses keys by tmux name (`Enter`, `Escape`, `PageUp`).
    func press(_ keys: String...) async throws {
        try await self.tmux(["send-keys", "-t", self.name] + keys)
    }

    func resize(width: Int, height: Int) async throws {
        try await self.tmux(["resize-window", "-t", self.name, "-x", "\(width)", "-y", "\(height)"])
    }

    /// Waits until the screen satisfies `condition`; fails with the last screen.
    @discardableResult
    func waitFor(_ what: String, timeout: Duration = .seconds(15), _ condition: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var screen = ""
        while ContinuousClock.now < deadline {
            screen = (try? await self.capture()) ?? ""
            if condition(screen) { return screen }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ChildProcess.Failure(description: "timed out waiting for \(what); the screen was:\n\(screen)")
    }

    /// Runs `body` with a new session, and ends the session afterwards, whether `body` returned or threw.
    static func with<T>(_ body: (TmuxSession) async throws -> T) async throws -> T {
        let session = TmuxSession()
        do {
            let result = try await body(session)
            await session.kill()
            return result
        } catch {
            await session.kill()
            throw error
        }
    }

    func kill() async {
        _ = try? await self.tmux(["kill-server"])
    }
}
