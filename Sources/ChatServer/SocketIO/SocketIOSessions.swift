import Logging
import ServiceLifecycle
import Synchronization

/// Timings and limits of `/socket.io/` sessions.
public struct SocketIOOptions: Sendable {
    /// How often the server pings (v4: the server pings, the client answers).
    public var pingInterval = Duration.seconds(25)
    /// How long a ping may wait for its pong before the session ends.
    public var pingTimeout = Duration.seconds(20)
    /// How long a new session may wait for the client's CONNECT (the reference server's 45 s).
    public var connectTimeout = Duration.seconds(45)
    /// How long an upgrade probe may wait for `5` (the reference server's 10 s).
    public var upgradeTimeout = Duration.seconds(10)
    /// The largest POST body or WebSocket frame, advertised in the handshake: `/ws`'s frame limit.
    public var maxPayload = 64 * 1024
    /// The most packets a session may have waiting for its client; then it is cut off as a stalled reader.
    public var queueLimit = 1024
    /// The most sessions at once; a handshake beyond it is refused (503).
    public var maxSessions = 50_000

    public init() {}
}

/// The open Engine.IO sessions, by sid, and the service that runs them: each session's life (heartbeat,
/// CONNECT deadline, its messages) is a child task of one task group, whatever requests carry it.
final class SocketIOSessions: Service, Sendable {
    private let sessions = Mutex<[String: SocketIOSession]?>([:])
    private let started: (stream: AsyncStream<SocketIOSession>, continuation: AsyncStream<SocketIOSession>.Continuation) = AsyncStream.makeStream()
    let options: SocketIOOptions
    private let realtime: RealtimeSession
    private let logger: Logger

    init(options: SocketIOOptions, realtime: RealtimeSession, logger: Logger) {
        self.options = options
        self.realtime = realtime
        self.logger = logger
    }

    /// Opens a session, or returns `nil` when the server is full or stopping.
    func open(webSocket: Bool, handshakeToken: String?) -> SocketIOSession? {
        let session = SocketIOSession(
            webSocket: webSocket,
            handshakeToken: handshakeToken,
            options: self.options,
            realtime: self.realtime,
            logger: self.logger
        )
        let added = self.sessions.withLock { sessions -> Bool in
            guard sessions != nil, sessions!.count < self.options.maxSessions else { return false }
            sessions![session.sid] = session
            return true
        }
        guard added, case .enqueued = self.started.continuation.yield(session) else {
            self.sessions.withLock { _ = $0?.removeValue(forKey: session.sid) }
            return nil
        }
        return session
    }

    subscript(sid: String) -> SocketIOSession? {
        self.sessions.withLock { $0?[sid] }
    }

    var count: Int { self.sessions.withLock { $0?.count ?? 0 } }

    /// Ends every session now, and takes no more (the last step of a shutdown).
    func closeAll() {
        let open = self.sessions.withLock { sessions in
            defer { sessions = nil }
            return Array((sessions ?? [:]).values)
        }
        self.started.continuation.finish()
        for session in open { session.terminate() }
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await session in self.started.stream {
                    group.addTask {
                        await session.run()
                        self.sessions.withLock { _ = $0?.removeValue(forKey: session.sid) }
                    }
                }
            }
        } onGracefulShutdown: {
            self.closeAll()
        }
        // The shutdown coordinator may have ended the sessions before the service group stops: a service that
        // returned early would make the group cancel everything, requests in flight included.
        try? await gracefulShutdown()
    }
}
