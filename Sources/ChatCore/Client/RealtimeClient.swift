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
    private let logger: Logger
    private let outgoing = Mutex<AsyncStream<String>.Continuation?>(nil)
    private let stopped = Atomic<Bool>(false)
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// - Parameter api: a signed-in API client; its base URL and token are used for `/ws` too.
    public init(api: APIClient, backoff: Backoff = Backoff(), logger: Logger = Logger(label: "chat.realtime")) {
        self.api = api
        self.backoff = backoff
        self.logger = logger
    }

    /// `ws://` or `wss://` for the API's base URL.
    public static func webSocketURL(for baseURL: String) -> String {
        if baseURL.hasPrefix("https://") { return "wss://" + baseURL.dropFirst("https://".count) + "/ws" }
        if baseURL.hasPrefix("http://") { return "ws://" + baseURL.dropFirst("http://".count) + "/ws" }
        return baseURL + "/ws"
    }

    /// Starts the connection loop; the stream ends after ``stop()`` or when the token is refused.
    public func events() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self)
        let task = Task { [self] in
            await self.loop(continuation)
            continuation.yield(.status(.stopped))
            continuation.finish()
        }
        self.task.withLock { $0 = task }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Sends a client event on the open connection.
    public func send(_ event: ClientEvent) throws {
        let text = String(decoding: try ChatJSON.encoder.encode(event), as: UTF8.self)
        guard let outgoing = self.outgoing.withLock({ $0 }) else { throw NotConnected() }
        if case .terminated = outgoing.yield(text) { throw NotConnected() }
    }

    /// Closes the connection with a close handshake and ends the loop. The loop is cancelled outright only
    /// if the server does not answer the close within `grace`.
    public func stop(grace: Duration = .seconds(2)) {
        self.stopped.store(true, ordering: .relaxed)
        self.outgoing.withLock { $0?.finish() }
        guard let task = self.task.withLock({ $0 }) else { return }
        Task {
            try? await Task.sleep(for: grace)
            task.cancel()
        }
    }

    private func loop(_ events: AsyncStream<Event>.Continuation) async {
        var attempt = 0
        while !self.stopped.load(ordering: .relaxed), !Task.isCancelled {
            events.yield(.status(.connecting(attempt: attempt)))
            var reason = "connection closed"
            let connected = Flag()
            do {
                try await self.connectOnce(events, connected: connected)
            } catch {
                reason = String(describing: error)
                if case .some(.unauthorized) = await self.checkToken() {
                    events.yield(.status(.unauthorized))
                    return
                }
            }
            if self.stopped.load(ordering: .relaxed) || Task.isCancelled { return }
            attempt = connected.isSet ? 0 : attempt + 1
            let delay = self.backoff.delay(attempt: attempt)
            events.yield(.status(.waiting(retryIn: delay, reason: reason)))
            try? await Task.sleep(for: delay)
        }
    }

    private func connectOnce(_ events: AsyncStream<Event>.Continuation, connected: Flag) async throws {
        var headers = HTTPFields()
        if let token = self.api.token { headers[.authorization] = "Bearer \(token)" }
        let (outgoing, continuation) = AsyncStream.makeStream(of: String.self)
        self.outgoing.withLock { $0 = continuation }
        defer { self.outgoing.withLock { $0 = nil } }
        try await WebSocketClient.connect(
            url: Self.webSocketURL(for: self.api.baseURL),
            configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: headers, autoPing: .enabled(timePeriod: .seconds(20))),
            logger: self.logger
        ) { inbound, outbound, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await text in outgoing { try await outbound.write(.text(text)) }
                    try? await outbound.close(.normalClosure, reason: nil)
                }
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message,
                        let event = try? ChatJSON.decoder.decode(ServerEvent.self, from: Data(text.utf8))
                    else { continue }
                    if case .ready(let ready) = event {
                        connected.set()
                        events.yield(.status(.connected))
                        events.yield(.ready(ready))
                    } else {
                        events.yield(.server(event))
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
