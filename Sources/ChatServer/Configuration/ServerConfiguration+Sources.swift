import Foundation
import Logging

extension ServerConfiguration {
    /// The settings, by the name of their environment variable, with what each means.
    public static let settings: [(name: String, help: String)] = [
        ("PORT", "TCP port to listen on (default 4000)"),
        ("HOST", "address to bind (default 127.0.0.1; 0.0.0.0: all)"),
        ("DATABASE_URL", "sqlite://PATH (default sqlite://./data/chat.sqlite),\nsqlite://:memory:, or postgres://USER:PASS@HOST:PORT/DB"),
        ("JWT_SECRET", "token signing secret, at least 32 bytes; if unset, one is\ngenerated and kept beside the SQLite file (mode 0600)"),
        ("PUBLIC_URL", "base URL of invite links (default http://HOST:PORT)"),
        ("LOG_LEVEL", "trace, debug, info (default), notice, warning, error"),
        ("BCRYPT_COST", "bcrypt cost for passwords, 10-31 (default 12)"),
        ("RATE_LIMITS", "on (default) or off: every rate limit below"),
        ("RATE_LIMIT_AUTH_IP", "sign-ins per client address, BURST/PER_MINUTE (20/30)"),
        ("RATE_LIMIT_AUTH_ACCOUNT", "logins per email address, BURST/PER_MINUTE (5/5)"),
        ("RATE_LIMIT_MESSAGES", "messages per user, BURST/PER_MINUTE (30/600)"),
        ("RATE_LIMIT_GROUPS", "groups created per user, BURST/PER_MINUTE (10/10)"),
        ("RATE_LIMIT_INVITES", "invites created per user, BURST/PER_MINUTE (30/30)"),
        ("MAX_GROUPS_PER_USER", "groups one user may own, 0 for no limit (default 200)"),
        ("MAX_INVITES_PER_USER", "live invites one user may have made, 0 for no limit\n(default 200)"),
        ("BCRYPT_QUEUE", "password hashes running or waiting at once; past it,\nsign-ins get 503 with Retry-After (default 32)"),
        ("TRUST_PROXY", "proxies in front that set X-Forwarded-For (default 0:\nthe header is ignored)"),
        ("ALLOWED_ORIGINS", "browser origins allowed on /ws, comma-separated, or *\n(default: the origin of PUBLIC_URL)"),
        ("WS_QUEUE_LIMIT", "events that may wait for one WebSocket reader before it\nis disconnected (default 1024)"),
        ("PRESENCE_GRACE", "seconds a user stays online after their last WebSocket\nclosed, 0-300 (default 10)"),
        ("RETENTION_DAYS", "erase messages older than this many days, 1-36500 (default:\nunset, keep forever); a group may set a shorter one"),
        ("TLS_CERT", "PEM certificate chain: serve HTTPS and WSS without a proxy\n(with TLS_KEY); SIGHUP reloads both files"),
        ("TLS_KEY", "PEM private key of TLS_CERT's first certificate"),
        ("LOG_FORMAT", "text (default) or json: one JSON object per line"),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTLP/HTTP collector, e.g. http://127.0.0.1:4318: turns\ntracing on; environment only, as every standard OTEL_* variable"
        ),
    ]

    /// Tracing is on when an OTLP endpoint is named and the SDK is not disabled (`OTEL_SDK_DISABLED=true`).
    static func tracingRequested(_ environment: [String: String]) -> Bool {
        let endpoint = ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"].contains { !(environment[$0] ?? "").isEmpty }
        return endpoint && environment["OTEL_SDK_DISABLED"]?.lowercased() != "true"
    }

    /// The settings as `--help` lists them, within `columns` (ArgumentParser wraps wider lines again, badly):
    /// each name, then its text wrapped in a column of its own; a name too long for its column has the text
    /// start on the next line.
    public static func settingsHelp(columns: Int = 78) -> String {
        let indent = 26
        return settings.map { name, help in
            var lines: [String] = []
            var line = "  " + name
            if line.count + 2 > indent {
                lines.append(line)
                line = ""
            }
            line = line.padding(toLength: indent, withPad: " ", startingAt: 0)
            var empty = true
            for word in help.split(whereSeparator: \.isWhitespace) {
                if !empty, line.count + 1 + word.count > columns {
                    lines.append(line)
                    line = String(repeating: " ", count: indent)
                    empty = true
                }
                line += (empty ? "" : " ") + word
                empty = false
            }
            return (lines + [line]).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Builds the configuration from three sources, each keyed by environment variable name: command-line
    /// flags win over the environment, which wins over the `.env` file; defaults fill the rest.
    public static func resolve(flags: [String: String], environment: [String: String], dotEnv: [String: String]) throws -> ServerConfiguration {
        func value(_ name: String) -> String? {
            for source in [flags, environment, dotEnv] {
                if let value = source[name] { return value }
            }
            return nil
        }
        var configuration = ServerConfiguration()
        if let host = value("HOST") {
            let host = host.trimmingCharacters(in: .whitespaces)
            guard !host.isEmpty else { throw ConfigurationError("HOST must not be empty") }
            configuration.host = host
        }
        if let port = value("PORT") {
            guard let number = Int(port.trimmingCharacters(in: .whitespaces)), (0...65535).contains(number) else {
                throw ConfigurationError("PORT must be a number from 0 to 65535 (got \"\(port)\")")
            }
            configuration.port = number
        }
        if let url = value("DATABASE_URL") {
            configuration.database = try DatabaseLocation(url: url.trimmingCharacters(in: .whitespaces))
        }
        if let secret = value("JWT_SECRET"), !secret.isEmpty {
            guard secret.utf8.count >= TokenService.minimumSecretBytes else {
                throw ConfigurationError(
                    "JWT_SECRET is \(secret.utf8.count) bytes; it needs at least \(TokenService.minimumSecretBytes) (try: openssl rand -hex 32)"
                )
            }
            configuration.jwtSecret = secret
        }
        if let url = value("PUBLIC_URL"), !url.isEmpty {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host != nil else {
                throw ConfigurationError("PUBLIC_URL must be an http:// or https:// URL (got \"\(url)\")")
            }
            configuration.publicURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        if let level = value("LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError("LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical (got \"\(level)\")")
            }
            configuration.logLevel = parsed
        }
        if let switchValue = value("RATE_LIMITS") {
            switch switchValue.lowercased() {
            case "on", "true", "1", "yes": configuration.rateLimitsEnabled = true
            case "off", "false", "0", "no": configuration.rateLimitsEnabled = false
            default: throw ConfigurationError("RATE_LIMITS must be on or off (got \"\(switchValue)\")")
            }
        }
        for (name, keyPath) in [
            ("RATE_LIMIT_AUTH_IP", \ServerConfiguration.authRatePerAddress), ("RATE_LIMIT_AUTH_ACCOUNT", \.authRatePerAccount),
            ("RATE_LIMIT_MESSAGES", \.messageRatePerUser), ("RATE_LIMIT_GROUPS", \.groupRatePerUser),
            ("RATE_LIMIT_INVITES", \.inviteRatePerUser),
        ] {
            guard let text = value(name) else { continue }
            do {
                configuration[keyPath: keyPath] = try RateLimit(parsing: text)
            } catch {
                throw ConfigurationError("\(name): \(error.message)")
            }
        }
        if let proxies = value("TRUST_PROXY") {
            guard let count = Int(proxies), (0...10).contains(count) else {
                throw ConfigurationError("TRUST_PROXY must be the number of proxies in front, 0 to 10 (got \"\(proxies)\")")
            }
            configuration.trustedProxies = count
        }
        if let origins = value("ALLOWED_ORIGINS"), !origins.isEmpty {
            let list = origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for origin in list where origin != "*" {
                guard ServerConfiguration.origin(of: origin) != nil else {
                    throw ConfigurationError("ALLOWED_ORIGINS must list origins such as https://chat.example.org, or * (got \"\(origin)\")")
                }
            }
            configuration.allowedOrigins = list.map { $0 == "*" ? "*" : ServerConfiguration.origin(of: $0)! }
        }
        if let limit = value("WS_QUEUE_LIMIT") {
            guard let number = Int(limit), (8...1_000_000).contains(number) else {
                throw ConfigurationError("WS_QUEUE_LIMIT must be a number from 8 to 1000000 (got \"\(limit)\")")
            }
            configuration.outboundQueueLimit = number
        }
        if let grace = value("PRESENCE_GRACE") {
            guard let seconds = Double(grace.trimmingCharacters(in: .whitespaces)), seconds.isFinite, (0...300).contains(seconds) else {
                throw ConfigurationError("PRESENCE_GRACE must be a number of seconds from 0 to 300 (got \"\(grace)\")")
            }
            configuration.presenceGrace = seconds
        }
        if let days = value("RETENTION_DAYS"), !days.isEmpty {
            guard let number = Int(days), Validation.retentionDaysRange.contains(number) else {
                throw ConfigurationError("RETENTION_DAYS must be a number of days from 1 to 36500, or unset to keep all (got \"\(days)\")")
            }
            configuration.retentionDays = number
        }
        for (name, keyPath) in [("MAX_GROUPS_PER_USER", \ServerConfiguration.maxOwnedGroups), ("MAX_INVITES_PER_USER", \.maxLiveInvites)] {
            guard let text = value(name) else { continue }
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)), (0...1_000_000).contains(number) else {
                throw ConfigurationError("\(name) must be a number from 0 (no limit) to 1000000 (got \"\(text)\")")
            }
            configuration[keyPath: keyPath] = number
        }
        if let text = value("BCRYPT_QUEUE") {
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)), (1...100_000).contains(number) else {
                throw ConfigurationError("BCRYPT_QUEUE must be a number from 1 to 100000 (got \"\(text)\")")
            }
            configuration.bcryptQueueLimit = number
        }
        if let format = value("LOG_FORMAT"), !format.isEmpty {
            guard let parsed = LogFormat(rawValue: format.lowercased()) else {
                throw ConfigurationError("LOG_FORMAT must be text or json (got \"\(format)\")")
            }
            configuration.logFormat = parsed
        }
        let certificate = value("TLS_CERT").flatMap { $0.isEmpty ? nil : $0 }
        let key = value("TLS_KEY").flatMap { $0.isEmpty ? nil : $0 }
        switch (certificate, key) {
        case (nil, nil): break
        case (let certificate?, let key?): configuration.tls = TLSFiles(certificatePath: certificate, keyPath: key)
        case (nil, _?): throw ConfigurationError("TLS_KEY is set but TLS_CERT is not: set both, or neither for plain HTTP")
        case (_?, nil): throw ConfigurationError("TLS_CERT is set but TLS_KEY is not: set both, or neither for plain HTTP")
        }
        configuration.tracingEnabled = Self.tracingRequested(environment)
        if let cost = value("BCRYPT_COST") {
            guard let number = UInt8(cost), (10...31).contains(number) else {
                throw ConfigurationError("BCRYPT_COST must be a number from 10 to 31 (got \"\(cost)\")")
            }
            configuration.bcryptCost = number
        }
        return configuration
    }
}
