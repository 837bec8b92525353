import ChatCore
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle

/// Wires the whole server: storage, auth, the chat rules, REST controllers and the WebSocket.
///
/// `main` only reads the configuration and runs what this returns; tests call it directly.
/// `shutdown` collects what must happen when a stop is requested, before the server stops (main runs it).
public func buildApplication(
    _ configuration: ServerConfiguration,
    clock: WallClock = .system,
    shutdown: ShutdownCoordinator = ShutdownCoordinator()
) async throws -> some ApplicationProtocol {
    // Before the storage opens: a bad certificate stops the server before it touches the data.
    let certificates = try configuration.tls.map(CertificateStore.init(files:))
    let components = try await ServerComponents(configuration, clock: clock, shutdown: shutdown)
    let (router, realtime, storage, publicURL, logger) = (
        components.router, components.realtime, components.storage, components.publicURL, components.logger
    )
    let firstRequestTimeout = TimeAmount(configuration.firstRequestTimeout)
    var services = storage.services
    if let certificates { services.append(CertificateReloadService(store: certificates, logger: logger)) }
    var app = Application(
        router: router,
        server: HTTPServerBuilder { responder in
            let http1 = HTTP1WebSocketUpgradeChannel(
                responder: responder,
                configuration: .init(
                    http1: .init(idleTimeout: .seconds(75)),
                    ws: .init(
                        maxFrameSize: configuration.maxFrameSize,
                        autoPing: .enabled(timePeriod: configuration.webSocketPingInterval),
                        closeTimeout: .seconds(5)
                    )
                ),
                shouldUpgrade: realtime.shouldUpgrade
            )
            guard let certificates else { return GuardedUpgradeChannel(base: http1, firstRequestTimeout: firstRequestTimeout) }
            return SecureChannel(
                certificates: certificates,
                http1: http1,
                http2: HTTP2Channel(responder: responder, configuration: .init(idleTimeout: .seconds(75))),
                firstRequestTimeout: firstRequestTimeout
            )
        },
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "chat-server"),
        services: services,
        onServerRunning: { channel in
            // PORT=0 asks the system for a free port: invite URLs need the one it gave.
            if configuration.publicURL == nil, configuration.port == 0, let port = channel.localAddress?.port {
                var resolved = configuration
                resolved.port = port
                publicURL.update(resolved.effectivePublicURL)
            }
        },
        logger: logger
    )
    if let prepare = storage.prepare { app.beforeServerStarts(perform: prepare) }
    return app
}

/// Everything the application is made of, before it is wrapped in a Hummingbird `Application`.
struct ServerComponents {
    let router: Router<ChatRequestContext>
    let realtime: RealtimeController
    let storage: Storage
    let publicURL: PublicURL
    let logger: Logger

    init(_ configuration: ServerConfiguration, clock: WallClock, shutdown: ShutdownCoordinator) async throws {
        var logger = Logger(label: "chat-server")
        logger.logLevel = configuration.logLevel

        let secret = try resolveSecret(configuration, logger: logger)
        let metrics = ServerMetrics()
        let sessionVersions = SessionVersions()
        let hub = RealtimeHub(queueLimit: configuration.outboundQueueLimit, logger: logger, metrics: metrics, sessions: sessionVersions)
        var storage = try await openStorage(configuration.database, hub: hub, metrics: metrics, logger: logger)
        let presence = PresenceTracker(
            repository: storage.repository,
            instance: storage.instanceID,
            grace: configuration.presenceGrace,
            clock: clock,
            logger: logger
        )
        // Listed after storage, so that it stops first: a graceful stop records its users offline.
        storage.services.append(presence)
        let tokens = await TokenService(secret: Array(secret.utf8), lifetime: configuration.tokenLifetime, clock: clock)
        let publicURL = PublicURL(configuration.effectivePublicURL)
        let rateLimits = RateLimits(configuration)
        storage.services.append(RateLimitSweeper(limiters: rateLimits.all))
        let service = ChatService(
            repository: storage.repository,
            tokens: tokens,
            passwords: PasswordHasher(cost: configuration.bcryptCost, queueLimit: configuration.bcryptQueueLimit),
            hub: hub,
            clock: clock,
            rateLimits: rateLimits,
            metrics: metrics,
            publicBase: publicURL,
            retentionDays: configuration.retentionDays,
            maxOwnedGroups: configuration.maxOwnedGroups,
            maxLiveInvites: configuration.maxLiveInvites
        )
        storage.services.append(
            RetentionService(
                repository: storage.repository,
                serverDays: configuration.retentionDays,
                interval: configuration.retentionInterval,
                clock: clock,
                metrics: metrics,
                logger: logger,
                accounts: AccountEraser(repository: storage.repository, clock: clock)
            )
        )
        if let dataVersion = storage.externalDataVersion {
            storage.services.append(
                ExternalWriteWatcher(dataVersion: dataVersion, repository: storage.repository, hub: hub, versions: sessionVersions)
            )
        }
        let sessions = SessionVerifier(tokens: tokens, versions: sessionVersions, repository: storage.repository)
        let auth = AuthMiddleware(sessions: sessions)
        let session = RealtimeSession(service: service, hub: hub, presence: presence, sessions: sessions)
        storage.services.append(TokenExpiryService(hub: hub, clock: clock))
        let origins = OriginPolicy(allowed: configuration.effectiveAllowedOrigins)
        var socketIOOptions = configuration.socketIO
        socketIOOptions.maxPayload = configuration.maxFrameSize
        socketIOOptions.queueLimit = configuration.outboundQueueLimit
        let socketIOSessions = SocketIOSessions(options: socketIOOptions, realtime: session, logger: logger)
        storage.services.append(socketIOSessions)
        let socketIO = SocketIOController(sessions: socketIOSessions, origins: origins)
        let realtime = RealtimeController(
            session: session,
            auth: AuthMiddleware(sessions: sessions, acceptsQueryToken: true),
            maxFrameSize: configuration.maxFrameSize,
            origins: origins,
            socketIO: socketIO
        )
        shutdown.add {
            // Both `/ws` sockets and Socket.IO sessions: the latter get `41` (then close) from the same queue.
            await hub.closeAll(code: RealtimeController.goingAwayCode, reason: "server shutting down", timeout: .seconds(3))
            socketIOSessions.closeAll()
        }

        let router = Router(context: ChatRequestContext.self)
        if configuration.tracingEnabled {
            // A span per request, continuing the caller's trace (`traceparent`); tokens in queries are redacted.
            router.add(middleware: TracingMiddleware(redactingQueryParameters: ["token"]))
        }
        router.add(middleware: ShutdownMiddleware())
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: RequestLogMiddleware())
        if configuration.trustedProxies == 0 { router.add(middleware: UntrustedProxyWarning()) }
        router.add(middleware: ErrorMiddleware())
        router.addRoutes(HealthController().endpoints, atPath: "/healthz")
        router.addRoutes(MetricsController(metrics: metrics).endpoints, atPath: "/metrics")
        router.addRoutes(OpenAPIController().endpoints, atPath: "/openapi.json")
        router.addRoutes(AuthController(service: service, auth: auth, trustedProxies: configuration.trustedProxies).endpoints)
        router.addRoutes(GroupController(service: service, auth: auth).endpoints, atPath: "/groups")
        router.addRoutes(ModerationController(service: service, auth: auth).endpoints, atPath: "/groups")
        router.addRoutes(MessageController(service: service, auth: auth).endpoints, atPath: "/groups/:id/messages")
        router.addRoutes(SearchController(service: service, auth: auth).endpoints, atPath: "/search")
        let invites = InviteController(service: service, auth: auth)
        router.addRoutes(invites.groupEndpoints, atPath: "/groups/:id/invites")
        router.addRoutes(invites.acceptEndpoints, atPath: "/invites")
        router.addRoutes(realtime.endpoints, atPath: "/ws")
        router.addRoutes(socketIO.endpoints, atPath: "/socket.io")
        router.addRoutes(JoinPageController(service: service).endpoints, atPath: "/join")

        let metadata: Logger.Metadata = [
            "database": "\(configuration.database)", "public_url": "\(configuration.effectivePublicURL)", "instance": "\(storage.instanceID)",
        ]
        logger.info("chat-server configured", metadata: metadata)
        self.router = router
        self.realtime = realtime
        self.storage = storage
        self.publicURL = publicURL
        self.logger = logger
    }
}

/// The repository of the configured backend, the services it runs, and what must happen before the server
/// accepts requests (PostgreSQL migrations, which need the pool running).
struct Storage {
    var repository: any ChatRepository
    var services: [any Service]
    var prepare: (@Sendable () async throws -> Void)?
    /// This instance's id, which its presence records carry (and with PostgreSQL, its notifications and its
    /// LISTEN connection).
    var instanceID: String
    /// A SQLite file's `data_version`, which tells of writes by other processes (see ``ExternalWriteWatcher``).
    var externalDataVersion: (@Sendable () async throws -> Int)?
}

func openStorage(_ location: DatabaseLocation, hub: RealtimeHub, metrics: ServerMetrics, logger: Logger) async throws -> Storage {
    let instanceID = String(UUIDv7.make().suffix(12))
    let committed: @Sendable (Int) -> Void = { metrics.committed(writes: $0) }
    switch location {
    case .sqliteFile(let path):
        let store = try await SQLiteStore.open(location: .file(path), sink: hub, logger: logger, committed: committed)
        return Storage(
            repository: SQLiteChatRepository(store: store),
            // The lock is listed first so that it is released last, once the store has closed.
            services: [DatabaseLockService(databasePath: path), ClosingService { await store.close() }],
            instanceID: instanceID,
            externalDataVersion: { try await store.externalDataVersion() }
        )
    case .sqliteMemory:
        let store = try await SQLiteStore.open(location: .memory, sink: hub, logger: logger, committed: committed)
        return Storage(repository: SQLiteChatRepository(store: store), services: [ClosingService { await store.close() }], instanceID: instanceID)
    case .postgres(let url):
        let store = PostgresStore(url: try PostgresURL(url), instanceID: instanceID, logger: logger)
        let repository = PostgresChatRepository(store: store, sink: hub, publishing: .onNotification)
        let listener = PostgresListener(store: store, repository: repository, hub: hub)
        return Storage(
            repository: repository,
            services: [store.client, listener],
            prepare: { try await store.migrate() },
            instanceID: store.instanceID
        )
    }
}

/// `JWT_SECRET`, or the secret kept beside the SQLite file, or (in memory) a secret for this run only.
private func resolveSecret(_ configuration: ServerConfiguration, logger: Logger) throws -> String {
    if let secret = configuration.jwtSecret { return secret }
    switch configuration.database {
    case .sqliteFile(let path):
        return try SecretFile.loadOrCreate(at: SecretFile.path(forDatabase: path), logger: logger)
    case .sqliteMemory:
        logger.warning("JWT_SECRET is not set and the database is in memory: tokens last only as long as this process")
        return SecretFile.randomHex(bytes: 32)
    case .postgres:
        throw ConfigurationError("JWT_SECRET must be set with PostgreSQL, and be the same on every instance (openssl rand -hex 32)")
    }
}

/// Runs until graceful shutdown, then closes a resource (after the HTTP server has stopped).
struct ClosingService: Service {
    let closeResource: @Sendable () async -> Void

    init(_ close: @escaping @Sendable () async -> Void) {
        self.closeResource = close
    }

    /// Closes the resource now.
    func close() async { await self.closeResource() }

    func run() async throws {
        try? await gracefulShutdown()
        // Even when the service group is cancelled, the resource is closed: pending writes finish first.
        await Task { await self.close() }.value
    }
}
