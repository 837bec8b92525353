import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import Synchronization

/// The real-time connection to `GET /ws`: typed events in, client events out, and it never gives up.
///
/// It reconnects with exponential backoff and full jitter, and is only a transport: what to catch up after a
/// `ready` is the caller's decision (``SyncMachine`` asks for each group's change feed). A refused token ends the
/// loop with ``Status/unauthorized``.
public final class RealtimeClient: Sendable {
    /// Where the connection stands.
    public enum Status: Sendable, Hashable {
        case connecting(attempt: Int)
        case connected
        /// Disconnected; the next attempt starts after `retryIn`.
        case waiting(retryIn: Duration, reason: String)
        /// The server refused the token: sign in again.
        case unauthorized
        case stopped
    }

    /// What the connection delivers.
    public enum Event: Sendable {
        case status(Status)
        case ready(ServerEvent.Ready)
        case server(ServerEvent)
    }

    /// Thrown by ``send(_:)`` while there is no open connection.
    public struct NotConnected: Error {}

    private let api: APIClient
    private let backoff: Backoff
    private let grace: Duration
    private let logger: Logger
    private let outgoing = Mutex<AsyncStream<String>.Continuation?>(nil)
    /// Raised by ``stop()``: the loop ends, and a wait between attempts is cut short.
    private let stopSignal = Latch()

    /// - Parameters:
    ///   - api: a signed-in API client; its base URL and token are used for `/ws` too.
    ///   - grace: how long ``stop()`` waits for the server to answer the close before the socket is dropped.
    public init(api: APIClient, backoff: Backoff = Backoff(), grace: Duration = .seconds(2), logger: Logger = Logger(label: "chat.realtime")) {
        self.api = api
        self.backoff = backoff
        self.grace = grace
        self.logger = logger
    }

    /// `ws://` or `wss://` for the API's base URL.
    public static func webSocketURL(for baseURL: String) -> String {
        if baseURL.hasPrefix("https://") { return "wss://" + baseURL.dropFirst("https://".count) + "/ws" }
        if baseURL.hasPrefix("http://") { return "ws://" + baseURL.dropFirst("http://".count) + "/ws" }
        return baseURL + "/ws"
    }

    /// Runs the connection loop in the caller's task, handing every event to `handle` in order. It returns
    /// after ``stop()`` (once the close is answered, or after the grace period), when the token is refused, or
    /// when the task is cancelled; its last event is ``Status/stopped``.
    public func run(_ handle: @escaping @Sendable (Event) -> Void) async {
        await self.loop(handle)
        handle(.status(.stopped))
    }

    /// Sends a client event on the open connection.
    public func send(_ event: ClientEvent) throws {
        let text = String(decoding: try ChatJSON.encoder.encode(event), as: UTF8.self)
        guard let outgoing = self.outgoing.withLock({ $0 }) else { throw NotConnected() }
        if case .terminated = outgoing.yield(text) { throw NotConnected() }
    }

    /// Closes the connection with a close handshake and ends ``run(_:)``, also while it waits to reconnect.
    public func stop() {
        self.stopSignal.raise()
        self.outgoing.withLock { $0?.finish() }
    }

    private var isStopped: Bool { self.stopSignal.isRaised || Task.isCancelled }

    private func loop(_ handle: @escaping @Sendable (Event) -> Void) async {
        var attempt = 0
        while !self.isStopped {
            handle(.status(.connecting(attempt: attempt)))
            var reason = "connection closed"
            let connected = Flag()
            do {
                try await self.connectOnce(handle, connected: connected)
            } catch {
                reason = String(describing: error)
                if !self.isStopped, case .some(.unauthorized) = await self.checkToken() {
                    handle(.status(.unauthorized))
                    return
                }
            }
            if self.isStopped { return }
            attempt = connected.isSet ? 0 : attempt + 1
            let delay = self.backoff.delay(attempt: attempt)
            handle(.status(.waiting(retryIn: delay, reason: reason)))
            await self.sleepUnlessStopped(delay)
        }
    }

    /// Waits `delay`, or less if ``stop()`` comes first.
    private func sleepUnlessStopped(_ delay: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: delay) }
            group.addTask { await self.stopSignal.wait() }
            await group.next()
            group.cancelAll()
        }
    }

    private func connectOnce(_ handle: @escaping @Sendable (Event) -> Void, connected: Flag) async throws {
        var headers = HTTPFields()
        if let token = self.api.token { headers[.authorization] = "Bearer \(token)" }
        let (outgoing, continuation) = AsyncStream.makeStream(of: String.self)
        self.outgoing.withLock { $0 = continuation }
        if self.stopSignal.isRaised { continuation.finish() }
        defer { self.outgoing.withLock { $0 = nil } }
        try await WebSocketClient.connect(
            url: Self.webSocketURL(for: self.api.baseURL),
            configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: headers, autoPing: .enabled(timePeriod: .seconds(20))),
            logger: self.logger
        ) { inbound, outbound, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                let grace = self.grace
                group.addTask {
                    for await text in outgoing { try await outbound.write(.text(text)) }
                    try? await outbound.close(.normalClosure, reason: nil)
                    // Stopping: the server has `grace` to answer the close, then the socket is dropped.
                    try await Task.sleep(for: grace)
                    throw CancellationError()
                }
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message,
                        let event = try? ChatJSON.decoder.decode(ServerEvent.self, from: Data(text.utf8))
                    else { continue }
                    if case .ready(let ready) = event {
                        connected.set()
                        handle(.status(.connected))
                        handle(.ready(ready))
                    } else {
                        handle(.server(event))
                    }
                }
                continuation.finish()
                group.cancelAll()
            }
        }
    }

    /// `.unauthorized` when the server refuses the token; `nil` when it accepts it or cannot be asked.
    private func checkToken() async -> Status? {
        do {
            _ = try await self.api.me()
            return nil
        } catch {
            return error.isUnauthorized ? .unauthorized : nil
        }
    }
}

/// A flag that one task sets and another reads.
private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)

    func set() { self.value.store(true, ordering: .relaxed) }

    var isSet: Bool { self.value.load(ordering: .relaxed) }
}
