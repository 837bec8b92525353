import Foundation

/// Which browser origins may open real-time connections (`/ws`, `/socket.io/`): the check that stops other web
/// sites from using a visitor's token (cross-site WebSocket hijacking), and the CORS answer of Socket.IO's polling.
struct OriginPolicy: Sendable {
    /// Origins allowed besides the server's own (`*` for any), from `ALLOWED_ORIGINS`.
    let allowed: [String]

    /// Only browsers need the check, and they send `http(s)://` origins: an origin of another scheme (`ws://…`, an
    /// app's own) comes from a native client, which could send any header anyway. A browser origin must be the
    /// server's own host, or be listed.
    func allows(origin: String, host: String?) -> Bool {
        if self.allowed.contains("*") { return true }
        let scheme = origin.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
        guard scheme == "http" || scheme == "https" else { return origin.lowercased() != "null" }
        guard let normalized = ServerConfiguration.origin(of: origin) else { return false }
        if self.allowed.contains(normalized) { return true }
        guard let host, let components = URLComponents(string: normalized), let originHost = components.host else { return false }
        let port = components.port.map { ":\($0)" } ?? ""
        return (originHost + port).lowercased() == host.lowercased()
    }
}
