import ArgumentParser
import ChatServer
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// `chat-server`: reads the configuration and runs the server.
@main
struct ChatServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-server",
        abstract: "A self-hosted group chat server: REST + WebSocket, on SQLite (default) or PostgreSQL.",
        discussion: """
            Each setting comes from a flag, else an environment variable, else a
            .env file in the working directory, else its default.

            \(ServerConfiguration.settingsHelp())

            Examples:
              chat-server
              chat-server --port 8080 --database-url sqlite:///var/lib/chat/chat.sqlite
              PUBLIC_URL=https://chat.example.org chat-server --host 0.0.0.0
              chat-server admin --help
            """,
        subcommands: [AdminCommand.self]
    )

    @Option(help: "Address to bind (env HOST).") var host: String?
    @Option(help: "TCP port (env PORT).") var port: String?
    @Option(help: "sqlite://PATH or postgres://… (env DATABASE_URL).") var databaseURL: String?
    @Option(help: "Token signing secret, ≥ 32 bytes (env JWT_SECRET). Prefer the environment: flags show up in `ps`.")
    var jwtSecret: String?
    @Option(help: "Base URL of invite links (env PUBLIC_URL).") var publicURL: String?
    @Option(help: "Log level (env LOG_LEVEL).") var logLevel: String?
    @Option(help: "bcrypt cost, 10–31 (env BCRYPT_COST).") var bcryptCost: String?
    @Option(help: "on or off (env RATE_LIMITS).") var rateLimits: String?
    @Option(help: "Sign-ins per address, BURST/PER_MINUTE (env RATE_LIMIT_AUTH_IP).") var rateLimitAuthIp: String?
    @Option(help: "Logins per account, BURST/PER_MINUTE (env RATE_LIMIT_AUTH_ACCOUNT).") var rateLimitAuthAccount: String?
    @Option(help: "Messages per user, BURST/PER_MINUTE (env RATE_LIMIT_MESSAGES).") var rateLimitMessages: String?
    @Option(help: "Groups created per user, BURST/PER_MINUTE (env RATE_LIMIT_GROUPS).") var rateLimitGroups: String?
    @Option(help: "Invites created per user, BURST/PER_MINUTE (env RATE_LIMIT_INVITES).") var rateLimitInvites: String?
    @Option(help: "Groups one user may own, 0 for no limit (env MAX_GROUPS_PER_USER).") var maxGroupsPerUser: String?
    @Option(help: "Live invites one user may have made, 0 for no limit (env MAX_INVITES_PER_USER).") var maxInvitesPerUser: String?
    @Option(help: "Password hashes running or waiting at once (env BCRYPT_QUEUE).") var bcryptQueue: String?
    @Option(help: "Proxies that set X-Forwarded-For (env TRUST_PROXY).") var trustProxy: String?
    @Option(help: "Browser origins allowed on /ws (env ALLOWED_ORIGINS).") var allowedOrigins: String?
    @Option(help: "Events queued per WebSocket reader (env WS_QUEUE_LIMIT).") var wsQueueLimit: String?
    @Option(help: "Seconds a user stays online after their last WebSocket closed (env PRESENCE_GRACE).") var presenceGrace: String?
    @Option(help: "Erase messages older than this many days; unset keeps them (env RETENTION_DAYS).") var retentionDays: String?
    @Option(help: "PEM certificate chain: serve HTTPS and WSS (env TLS_CERT).") var tlsCert: String?
    @Option(help: "PEM private key of the certificate (env TLS_KEY).") var tlsKey: String?
    @Option(help: "text or json (env LOG_FORMAT).") var logFormat: String?

    func run() async throws {
        let flags = [
            "HOST": self.host, "PORT": self.port, "DATABASE_URL": self.databaseURL, "JWT_SECRET": self.jwtSecret,
            "PUBLIC_URL": self.publicURL, "LOG_LEVEL": self.logLevel, "BCRYPT_COST": self.bcryptCost, "RATE_LIMITS": self.rateLimits,
            "RATE_LIMIT_AUTH_IP": self.rateLimitAuthIp, "RATE_LIMIT_AUTH_ACCOUNT": self.rateLimitAuthAccount,
            "RATE_LIMIT_MESSAGES": self.rateLimitMessages, "TRUST_PROXY": self.trustProxy, "ALLOWED_ORIGINS": self.allowedOrigins,
            "WS_QUEUE_LIMIT": self.wsQueueLimit, "PRESENCE_GRACE": self.presenceGrace,
            "RETENTION_DAYS": self.retentionDays, "RATE_LIMIT_GROUPS": self.rateLimitGroups, "RATE_LIMIT_INVITES": self.rateLimitInvites,
            "MAX_GROUPS_PER_USER": self.maxGroupsPerUser, "MAX_INVITES_PER_USER": self.maxInvitesPerUser, "BCRYPT_QUEUE": self.bcryptQueue,
            "TLS_CERT": self.tlsCert, "TLS_KEY": self.tlsKey, "LOG_FORMAT": self.logFormat,
        ].compactMapValues { $0 }
        do {
            let dotEnv: [String: String]
            do {
                dotEnv = try await Environment.dotEnv().values(for: ServerConfiguration.settings.map(\.name))
            } catch {
                throw ConfigurationError(".env could not be parsed: write one KEY=VALUE per line, quoting values with spaces")
            }
            let configuration = try ServerConfiguration.resolve(
                flags: flags,
                environment: ProcessInfo.processInfo.environment,
                dotEnv: dotEnv
            )
            let observability = try ServerObservability.bootstrap(configuration)
            Self.raiseOpenFilesLimit()
            Self.tuneAllocator()
            let shutdown = ShutdownCoordinator()
            let app = try await buildApplication(configuration, shutdown: shutdown)
            try await Self.run(app, beside: observability, shutdown: shutdown)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("chat-server: \(error.message)\n".utf8))
            throw ExitCode.failure
        } catch {
            FileHandle.standardError.write(Data("chat-server: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

extension ChatServerCommand {
    /// Runs until SIGTERM or SIGINT, then stops gracefully: WebSockets are closed with 1001 first, then the
    /// server stops accepting and finishes the requests in flight. A stop that takes longer than 20 s (a
    /// client that never lets go) is cut short.
    /// `services` (tracing's exporter) are started first and stopped last, so the last spans are sent.
    static func run(_ app: some ApplicationProtocol, beside services: [any Service], shutdown: ShutdownCoordinator) async throws {
        var configuration = ServiceGroupConfiguration(services: services + [app], logger: app.logger)
        configuration.maximumGracefulShutdownDuration = .seconds(20)
        configuration.maximumCancellationDuration = .seconds(10)
        let group = ServiceGroup(configuration: configuration)
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                for await _ in signals {
                    app.logger.notice("Stopping")
                    await shutdown.prepareForShutdown()
                    await group.triggerGracefulShutdown()
                    return
                }
            }
            try await group.run()
            tasks.cancelAll()
        }
    }
}

extension ChatServerCommand {
    /// glibc gives memory back to the system as soon as 128 KB lie free at the top of a thread's heap. SQLite's
    /// statement journal takes and frees about 20 KB for every write statement, so the writer's thread crossed
    /// that line thousands of times a second, each time with an `madvise` and a TLB shoot-down on every core.
    /// Up to 4 MB of free memory now stays in each heap, and blocks up to 4 MB come from the heaps rather than
    /// from `mmap`; unless `GLIBC_TUNABLES` or a `MALLOC_*` variable tunes the allocator already.
    static func tuneAllocator() {
        #if canImport(Glibc)
        let environment = ProcessInfo.processInfo.environment
        let tuned = environment["GLIBC_TUNABLES"]?.contains("glibc.malloc.") == true || environment.keys.contains { $0.hasPrefix("MALLOC_") }
        // Swift's Glibc module leaves out <malloc.h>: `mallopt` is looked up, with its parameters' values there.
        guard !tuned, let symbol = dlsym(dlopen(nil, RTLD_NOW), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        let (trimThreshold, mmapThreshold): (Int32, Int32) = (-1, -3)  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
        _ = mallopt(trimThreshold, 4 << 20)
        _ = mallopt(mmapThreshold, 4 << 20)
        #endif
    }

    /// Raises the soft open-files limit to the hard one: each WebSocket holds a file descriptor, and the usual
    /// soft limit (1,024) would cap the connections far below what the machine can hold.
    static func raiseOpenFilesLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

extension Environment {
    /// The values of `names` in this set (which stores names in lower case).
    fileprivate func values(for names: [String]) -> [String: String] {
        var values: [String: String] = [:]
        for name in names {
            if let value = self.get(name) { values[name] = value }
        }
        return values
    }
}
