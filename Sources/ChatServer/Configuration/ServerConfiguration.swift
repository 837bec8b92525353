import Foundation
import Logging

/// Everything chat-server can be configured with. See ``ServerConfiguration/resolve(flags:environment:dotEnv:)``
/// for where each value comes from.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 4000
    public var database = DatabaseLocation.sqliteFile("./data/chat.sqlite")
    /// The HS256 secret; when `nil`, one is generated and kept beside the SQLite database.
    public var jwtSecret: String?
    /// The base of invite URLs; `http://HOST:PORT` when `nil`.
    public var publicURL: String?
    public var logLevel = Logger.Level.info
    /// bcrypt's cost. The API never goes below 10; tests may, to stay fast.
    public var bcryptCost: UInt8 = 12
    /// How long a session token stays valid.
    public var tokenLifetime = Duration.seconds(30 * 24 * 3600)
    /// The largest WebSocket frame a client may send.
    public var maxFrameSize = 64 * 1024
    /// How often the server pings each WebSocket; a peer that misses a ping's pong is disconnected.
    public var webSocketPingInterval = Duration.seconds(30)
    /// `RATE_LIMITS=off` turns every rate limit off (for benchmarks and load tests).
    public var rateLimitsEnabled = true
    /// Sign-ins and registrations per client address.
    public var authRatePerAddress = RateLimit(burst: 20, perMinute: 30)
    /// Logins and registrations per email address.
    public var authRatePerAccount = RateLimit(burst: 5, perMinute: 5)
    /// Messages per user, REST and WebSocket together.
    public var messageRatePerUser = RateLimit(burst: 30, perMinute: 600)
    /// Groups created per user.
    public var groupRatePerUser = RateLimit(burst: 10, perMinute: 10)
    /// Invites created per user.
    public var inviteRatePerUser = RateLimit(burst: 30, perMinute: 30)
    /// The most groups one user may own; 0: no limit.
    public var maxOwnedGroups = 200
    /// The most live (unexpired, unrevoked, not used up) invites one user may have made; 0: no limit.
    public var maxLiveInvites = 200
    /// Password hashes and checks that may run or wait at once; past it, sign-ins get 503 at once.
    public var bcryptQueueLimit = 32
    /// How many reverse proxies in front append to `X-Forwarded-For`; 0 ignores the header.
    public var trustedProxies = 0
    /// Browser origins allowed to open `/ws` and `/socket.io/`; `nil` means the origin of `PUBLIC_URL` only. `["*"]` allows any.
    /// Requests without an `Origin` (native clients) are always allowed.
    public var allowedOrigins: [String]?
    /// How long a new connection may stay silent before its first request.
    public var firstRequestTimeout = Duration.seconds(30)
    /// How many events may wait for one WebSocket reader before it is cut off.
    public var outboundQueueLimit = 1024
    /// How long a user stays online after their last WebSocket closed, so that a quick reconnect is not a flap.
    public var presenceGrace: TimeInterval = 10
    /// Days after which messages are erased (`RETENTION_DAYS`); `nil` keeps them forever. Groups may shorten it.
    public var retentionDays: Int?
    /// How often the retention service looks for expired messages.
    public var retentionInterval = Duration.seconds(60)
    /// `/socket.io/`'s heartbeat and deadlines (its payload and queue limits follow `maxFrameSize` and
    /// `outboundQueueLimit`).
    public var socketIO = SocketIOOptions()
    /// `text` (default) or `json`: one JSON object per log line.
    public var logFormat = LogFormat.text
    /// PEM files that make the server speak HTTPS and WSS itself (`TLS_CERT`, `TLS_KEY`); `nil`: plain HTTP.
    public var tls: TLSFiles?
    /// Whether spans are exported over OTLP: on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or its traces variant) is set.
    public var tracingEnabled = false

    public init() {}

    /// The origins `/ws` accepts from browsers.
    public var effectiveAllowedOrigins: [String] {
        self.allowedOrigins ?? [Self.origin(of: self.effectivePublicURL)].compactMap { $0 }
    }

    /// `scheme://host[:port]` of a URL, as browsers send it in `Origin`.
    static func origin(of url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), let host = components.host?.lowercased()
        else { return nil }
        let defaultPort = scheme == "https" ? 443 : 80
        return "\(scheme)://\(host)" + (components.port.map { $0 == defaultPort ? "" : ":\($0)" } ?? "")
    }

    /// The invite base URL actually used.
    public var effectivePublicURL: String {
        self.publicURL ?? "\(self.tls == nil ? "http" : "https")://\(self.host.contains(":") ? "[\(self.host)]" : self.host):\(self.port)"
    }
}

/// How log lines are written.
public enum LogFormat: String, Sendable {
    /// One human-readable line per entry (swift-log's standard format).
    case text
    /// One JSON object per line, for log collectors.
    case json
}

/// The certificate chain and private key of built-in TLS.
public struct TLSFiles: Sendable, Hashable {
    /// PEM: the server's certificate first, then its intermediates.
    public var certificatePath: String
    /// PEM: the private key of the first certificate.
    public var keyPath: String

    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }
}

/// Where the data lives, parsed from `DATABASE_URL`.
public enum DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    /// `sqlite://PATH`: everything after `sqlite://` is a file path.
    case sqliteFile(String)
    /// `sqlite://:memory:`: gone when the process ends; for tests.
    case sqliteMemory
    /// `postgres://user:pass@host:port/db?sslmode=…`.
    case postgres(String)

    /// Parses a `DATABASE_URL`.
    public init(url: String) throws {
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw ConfigurationError("DATABASE_URL sqlite:// needs a file path, as in sqlite://./data/chat.sqlite") }
            self = path == ":memory:" ? .sqliteMemory : .sqliteFile(path)
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            self = .postgres(url)
        } else {
            throw ConfigurationError("DATABASE_URL must start with sqlite:// or postgres:// (got \"\(url.prefix(12))…\")")
        }
    }

    /// The URL with any password masked, for logs.
    public var description: String {
        switch self {
        case .sqliteFile(let path): "sqlite://\(path)"
        case .sqliteMemory: "sqlite://:memory:"
        case .postgres(let url):
            if let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://"), let colon = url[scheme.upperBound..<at].firstIndex(of: ":") {
                url[..<colon] + ":***" + url[at...]
            } else {
                url
            }
        }
    }
}

/// A setting that cannot be used, said in one line.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { self.message }
}
