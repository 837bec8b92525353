import ArgumentParser
import ChatCore
import Foundation

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Server URL (env CHAT_SERVER; default: the signed-in server, else http://127.0.0.1:4000).")
    var server: String?

    static let defaultServer = "http://127.0.0.1:4000"

    /// The server to talk to: --server, else CHAT_SERVER, else the saved session's, else the default.
    func serverURL(session: Session?) throws(CLIError) -> String {
        let chosen =
            self.server ?? ProcessInfo.processInfo.environment["CHAT_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
            ?? session?.server ?? Self.defaultServer
        let trimmed = chosen.hasSuffix("/") ? String(chosen.dropLast()) : chosen
        guard let url = URL(string: trimmed), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw CLIError("--server must be an http:// or https:// URL (got \"\(chosen)\")", exitCode: 64)
        }
        return trimmed
    }

    var store: SessionStore { SessionStore() }

    /// An unauthenticated client for the chosen server.
    func anonymousClient() throws(CLIError) -> APIClient {
        APIClient(baseURL: try self.serverURL(session: try? self.store.load()))
    }

    /// The signed-in client and session, or the "run chat-tui login" error.
    func signedIn() throws(CLIError) -> (APIClient, Session) {
        let session = try self.store.load()
        let server = try self.serverURL(session: session)
        guard let session, session.server == server else {
            throw CLIError.notSignedIn(server: server)
        }
        return (APIClient(baseURL: server, token: session.token), session)
    }
}

extension CLIError {
    /// Exit statuses that scripts can tell apart (from sysexits.h).
    enum Status {
        static let usage: Int32 = 64
        /// EX_TEMPFAIL: unreachable, rate-limited (429) or failing (5xx): worth retrying later.
        static let temporary: Int32 = 75
        static let noPermission: Int32 = 77
    }

    static func notSignedIn(server: String) -> CLIError {
        CLIError("not logged in to \(server) (run chat-tui login)", exitCode: Status.noPermission)
    }

    /// The one-line form of an API failure, with its exit status.
    static func api(_ error: APIError, server: String) -> CLIError {
        switch error {
        case .unreachable(let detail): CLIError("cannot reach \(server): \(detail)", exitCode: Status.temporary)
        case .server(401, "invalid_token", _): CLIError("your session has expired or is invalid (run chat-tui login)", exitCode: Status.noPermission)
        case .server(let status, _, let message) where status == 429 || status >= 500:
            CLIError("\(message) (HTTP \(status))", exitCode: Status.temporary)
        case .server(let status, _, let message): CLIError("\(message) (HTTP \(status))")
        case .invalidResponse(let detail): CLIError("unexpected answer from \(server): \(detail)")
        }
    }
}

/// Runs an API call, turning its failure into a one-line CLI error.
func attempt<T>(_ server: String, _ body: () async throws(APIError) -> T) async throws(CLIError) -> T {
    do {
        return try await body()
    } catch {
        throw CLIError.api(error, server: server)
    }
}
