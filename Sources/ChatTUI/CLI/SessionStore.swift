import ChatCore
import Foundation

/// The signed-in session: which server, the token, and the user.
public struct Session: Codable, Sendable, Hashable {
    public var server: String
    public var token: String
    public var user: User

    public init(server: String, token: String, user: User) {
        self.server = server
        self.token = token
        self.user = user
    }
}

/// Where chat-tui keeps its state: `CHAT_HOME`, else `$XDG_CONFIG_HOME/chat-tui`, else `~/.config/chat-tui`.
/// `session.json` is written with mode 0600 in a folder with mode 0700.
public struct SessionStore: Sendable {
    public let directory: URL

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let home = environment["CHAT_HOME"], !home.isEmpty {
            self.directory = URL(fileURLWithPath: home)
        } else if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            self.directory = URL(fileURLWithPath: config).appendingPathComponent("chat-tui")
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            self.directory = URL(fileURLWithPath: home).appendingPathComponent(".config/chat-tui")
        }
    }

    public var sessionURL: URL { self.directory.appendingPathComponent("session.json") }

    /// The saved session, if any. A file that cannot be read is reported, not ignored.
    public func load() throws(CLIError) -> Session? {
        guard FileManager.default.fileExists(atPath: self.sessionURL.path) else { return nil }
        do {
            return try ChatJSON.decoder.decode(Session.self, from: Data(contentsOf: self.sessionURL))
        } catch {
            throw CLIError("\(self.sessionURL.path) is not a valid session file; run chat-tui logout, then chat-tui login")
        }
    }

    /// Saves the session atomically, readable only by the user.
    public func save(_ session: Session) throws(CLIError) {
        do {
            try self.writePrivately(try ChatJSON.encoder.encode(session), to: self.sessionURL)
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("cannot write \(self.sessionURL.path): \(error.localizedDescription)")
        }
    }

    /// Where the UI keeps group numbers and input histories.
    public var uiStateURL: URL { self.directory.appendingPathComponent("ui-state.json") }

    /// What the UI saved; a missing or unreadable file gives a fresh start.
    public func loadUIState() -> UIState {
        guard let data = try? Data(contentsOf: self.uiStateURL) else { return UIState() }
        return (try? ChatJSON.decoder.decode(UIState.self, from: data)) ?? UIState()
    }

    /// Saves the UI's state atomically, readable only by the user (histories hold what was typed).
    public func saveUIState(_ state: UIState) throws(CLIError) {
        do {
            try self.writePrivately(try ChatJSON.encoder.encode(state), to: self.uiStateURL)
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("cannot write \(self.uiStateURL.path): \(error.localizedDescription)")
        }
    }

    /// Writes `data` to `url` through a new file with mode 0600 and a rename, so that a reader never sees half.
    private func writePrivately(_ data: Data, to url: URL) throws {
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = self.directory.appendingPathComponent(".\(url.lastPathComponent)-\(UUID().uuidString)")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw CLIError("cannot write \(temporary.path): \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, data.count) }
        fsync(descriptor)
        close(descriptor)
        guard written == data.count, rename(temporary.path, url.path) == 0 else {
            unlink(temporary.path)
            throw CLIError("cannot write \(url.path)")
        }
    }

    /// Removes the session, and the UI state that goes with it (histories hold what was typed); returns
    /// whether there was a session.
    @discardableResult
    public func delete() -> Bool {
        try? FileManager.default.removeItem(at: self.uiStateURL)
        return (try? FileManager.default.removeItem(at: self.sessionURL)) != nil
    }
}
