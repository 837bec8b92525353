import ChatCore
import Foundation
import Logging
import NIOCore
import Synchronization

/// One Engine.IO session at `/socket.io/` and the Socket.IO connection inside it: the I/O around
/// ``EngineIOSessionMachine`` and ``SocketIOConnectionMachine``, and the ``RealtimeEdge`` of its chat session.
///
/// Requests (polls, posts, WebSocket frames) arrive on any task and step the machines under one lock; what the
/// steps ask for that does not wait (answer a held poll, queue a WebSocket frame) is done inside it. Client
/// messages go into `inbox`, which ``run()`` consumes in order: the CONNECT and its token check, then events.
final class SocketIOSession: Sendable {
    /// What a transport socket writes: text frames; finishing its stream closes it.
    typealias SocketWriter = AsyncStream<ByteBuffer>.Continuation

    /// How a poll GET is answered.
    enum PollAnswer: Sendable, Equatable {
        case payload(String)
        case refused(EngineIOError)
    }

    private enum Input: Sendable {
        case message(String)
        case binary
    }

    private struct State {
        var engine: EngineIOSessionMachine
        var socket: SocketIOConnectionMachine
        var heldPoll: CheckedContinuation<PollAnswer, Never>?
        /// The WebSocket that carries the session (WebSocket-only, or after the upgrade).
        var webSocket: SocketWriter?
        /// The upgrade probe, until `5`.
        var probe: SocketWriter?
    }

    let sid: String
    let socketID = SocketIOSession.randomID()
    private let state: Mutex<State>
    private let inbox: (stream: AsyncStream<Input>, continuation: AsyncStream<Input>.Continuation) = AsyncStream.makeStream()
    private let requests: (stream: AsyncStream<RealtimeRequest>, continuation: AsyncStream<RealtimeRequest>.Continuation) =
        AsyncStream.makeStream()
    private let options: SocketIOOptions
    private let realtime: RealtimeSession
    private let logger: Logger

    init(webSocket: Bool, handshakeToken: String?, options: SocketIOOptions, realtime: RealtimeSession, logger: Logger) {
        self.sid = Self.randomID()
        self.options = options
        self.realtime = realtime
        var logger = logger
        logger[metadataKey: "sio.sid"] = .string(self.sid)
        self.logger = logger
        self.state = Mutex(
            State(engine: EngineIOSessionMachine(webSocket: webSocket), socket: SocketIOConnectionMachine(handshakeToken: handshakeToken))
        )
    }

    /// The open packet's JSON for this session.
    var handshake: EngineIOHandshake {
        let isWebSocket = self.state.withLock { $0.engine.state == .open(.websocket) }
        return EngineIOHandshake(
            sid: self.sid,
            upgrades: isWebSocket ? [] : ["websocket"],
            pingInterval: Self.milliseconds(self.options.pingInterval),
            pingTimeout: Self.milliseconds(self.options.pingTimeout),
            maxPayload: self.options.maxPayload
        )
    }

    // MARK: The session's life

    /// Runs the session until it ends: the heartbeat, the CONNECT deadline, and the client's messages in order.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.heartbeat() }
            group.addTask {
                guard (try? await Task.sleep(for: self.options.connectTimeout)) != nil else { return }
                self.step { $0.socket.connectTimedOut() }
            }
            for await input in self.inbox.stream {
                let action = self.state.withLock { state in
                    switch input {
                    case .message(let text): state.socket.received(text)
                    case .binary: state.socket.receivedBinary()
                    }
                }
                switch action {
                case .authenticate(let token):
                    guard let verified = try? await self.realtime.sessions.verify(token) else {
                        self.step { $0.socket.refused() }
                        continue
                    }
                    group.addTask {
                        do {
                            try await self.realtime.serve(token: verified, requests: self.requests.stream, edge: self, logger: self.logger)
                        } catch {
                            self.logger.debug("Socket.IO session failed", metadata: ["error": "\(error)"])
                        }
                        self.step { $0.socket.serverDisconnect() }
                    }
                case .handle(let name, let arguments, let ackID):
                    let content: RealtimeRequest.Content
                    do throws(SocketIOEvents.Refused) {
                        content = .event(try SocketIOEvents.clientEvent(name: name, arguments: arguments))
                    } catch {
                        content = .refused(.init(code: error.code, message: error.message))
                    }
                    self.requests.continuation.yield(RealtimeRequest(content, ackID: ackID))
                default:
                    self.step { _ in action }
                }
            }
            self.requests.continuation.finish()
            group.cancelAll()
        }
        self.logger.debug("Socket.IO session ended")
    }

    /// v4's heartbeat: a ping every `pingInterval`, and the end of the session without its pong within `pingTimeout`.
    private func heartbeat() async {
        let (interval, timeout) = (self.options.pingInterval, self.options.pingTimeout)
        let rest = interval > timeout ? interval - timeout : .zero
        do {
            try await Task.sleep(for: interval)
            while true {
                self.engineStep { $0.pingTimerFired() }
                try await Task.sleep(for: timeout)
                self.engineStep { $0.pongDeadlinePassed() }
                try await Task.sleep(for: rest)
            }
        } catch {
            // Cancelled: the session ended.
        }
    }

    /// Ends the session now (shutdown).
    func terminate() {
        self.engineStep { $0.terminate() }
    }

    // MARK: Polling

    /// A poll GET: answered at once when packets wait, else held until some do (a ping comes every `pingInterval`).
    func poll() async -> PollAnswer {
        await withCheckedContinuation { continuation in
            self.state.withLock { state in
                let action = state.engine.pollRequested()
                switch action {
                case .holdPoll:
                    state.heldPoll = continuation
                case .answerPoll(let payload):
                    continuation.resume(returning: .payload(payload))
                case .finalPoll(let payload):
                    continuation.resume(returning: .payload(payload))
                    self.apply(.close(reason: .serverClosed), to: &state)
                case .refuse(let error, _):
                    continuation.resume(returning: .refused(error))
                    self.apply(action, to: &state)
                default:
                    // A second poll while one is held: refused, and the session closes (the held one gets `1`).
                    continuation.resume(returning: .refused(.badRequest))
                    self.apply(action, to: &state)
                }
            }
        }
    }

    /// A POST body. Returns the error to answer with, if any; a malformed payload closes the session.
    func post(_ body: String) -> EngineIOError? {
        guard let packets = try? EngineIOPacket.decodePayload(body) else {
            self.engineStep { $0.terminate() }
            return .badRequest
        }
        return self.state.withLock { state in
            let (messages, action) = state.engine.posted(packets)
            self.forward(messages)
            self.apply(action, to: &state)
            if case .refuse(let error, _) = action { return error }
            return nil
        }
    }

    // MARK: WebSocket

    /// Attaches a WebSocket opened without a sid: it carries the session from the start.
    func attachWebSocket(_ writer: SocketWriter) {
        self.state.withLock { $0.webSocket = writer }
    }

    /// A WebSocket with this sid wants to become the transport. `false` if the session cannot take a probe now.
    func openProbe(_ writer: SocketWriter) -> Bool {
        self.state.withLock { state in
            guard state.engine.probeOpened() == .none else { return false }
            state.probe = writer
            return true
        }
    }

    /// A text frame on the probe. Returns whether the probe is now the session's transport.
    func probeReceived(_ text: String) -> Bool {
        self.state.withLock { state in
            let packet = (try? EngineIOPacket.decode(Substring(text))) ?? .close
            let action = state.engine.probeReceived(packet)
            self.apply(action, to: &state)
            if case .upgraded = action { return true }
            return false
        }
    }

    /// The probe socket went away (or timed out) before `5`: the session stays on polling.
    func probeEnded() {
        self.state.withLock { state in
            guard state.probe != nil else { return }
            state.engine.probeEnded()
            state.probe?.finish()
            state.probe = nil
        }
    }

    /// A frame on the session's WebSocket: text is an Engine.IO packet, binary an implicit (refused) message.
    func webSocketReceived(text: String?) {
        self.state.withLock { state in
            guard let text else {
                self.forward([.binary([])])
                return
            }
            guard let packet = try? EngineIOPacket.decode(Substring(text)) else {
                self.apply(state.engine.terminate(), to: &state)
                return
            }
            let (messages, action) = state.engine.webSocketReceived(packet)
            self.forward(messages)
            self.apply(action, to: &state)
        }
    }

    /// The session's WebSocket closed: so does the session.
    func webSocketClosed() {
        self.engineStep { $0.terminate() }
    }

    // MARK: Steps

    private func forward(_ messages: [EngineIOPacket]) {
        for message in messages {
            switch message {
            case .message(let text): self.inbox.continuation.yield(.message(text))
            default: self.inbox.continuation.yield(.binary)
            }
        }
    }

    /// Steps the Socket.IO machine and does what it says (the actions that need no waiting).
    private func step(_ body: (inout State) -> SocketIOConnectionMachine.Action) {
        self.state.withLock { state in
            switch body(&state) {
            case .none, .authenticate, .handle:
                break
            case .send(let packets):
                self.apply(state.engine.send(packets.map { .message($0.encoded) }), to: &state)
            case .close(let packets):
                if !packets.isEmpty { self.apply(state.engine.send(packets.map { .message($0.encoded) }), to: &state) }
                self.apply(state.engine.serverClose(), to: &state)
            }
        }
    }

    private func engineStep(_ body: (inout EngineIOSessionMachine) -> EngineIOSessionMachine.Action) {
        self.state.withLock { state in self.apply(body(&state.engine), to: &state) }
    }

    /// Does what an Engine.IO step asks for. Runs under the lock: nothing here waits.
    private func apply(_ action: EngineIOSessionMachine.Action, to state: inout State) {
        switch action {
        case .none, .holdPoll, .refuse(_, thenClose: false):
            break
        case .answerPoll(let payload), .finalPoll(let payload):
            state.heldPoll?.resume(returning: .payload(payload))
            state.heldPoll = nil
        case .sendOnWebSocket(let packets):
            for packet in packets { self.write(ByteBuffer(string: packet.encoded), in: &state) }
        case .probed(let releasePoll):
            state.probe?.yield(ByteBuffer(string: EngineIOPacket.pong("probe").encoded))
            if releasePoll { self.releasePoll(in: &state) }
        case .upgraded(let flush, let releasePoll):
            if releasePoll { self.releasePoll(in: &state) }
            state.webSocket = state.probe
            state.probe = nil
            for packet in flush { self.write(ByteBuffer(string: packet.encoded), in: &state) }
        case .closeProbe:
            state.probe?.finish()
            state.probe = nil
        case .refuse(_, thenClose: true), .close:
            state.heldPoll?.resume(returning: .payload(EngineIOPacket.close.encoded))
            state.heldPoll = nil
            state.webSocket?.finish()
            state.probe?.finish()
            (state.webSocket, state.probe) = (nil, nil)
            self.inbox.continuation.finish()
        }
        if state.engine.isEnding { self.requests.continuation.finish() }
    }

    /// Answers a held poll with a noop, so that the client lets go of it.
    private func releasePoll(in state: inout State) {
        state.heldPoll?.resume(returning: .payload(EngineIOPacket.noop.encoded))
        state.heldPoll = nil
    }

    /// Queues a frame on the session's WebSocket; a socket that stopped reading is cut off.
    private func write(_ frame: ByteBuffer, in state: inout State) {
        guard let webSocket = state.webSocket else { return }
        if case .dropped = webSocket.yield(frame) {
            self.apply(state.engine.terminate(), to: &state)
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }

    /// 20 random bytes, base64url: unguessable, and safe in a URL.
    static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return String(
            String(decoding: Data(bytes).base64EncodedData(), as: UTF8.self).map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }.filter { $0 != "=" }
        )
    }
}

// MARK: - The chat session's edge

extension SocketIOSession: RealtimeEdge {
    func accepted(_ id: RealtimeHub.ConnectionID) async throws {
        self.step { $0.socket.authenticated(socketID: self.socketID) }
    }

    func refused(reason: String) async throws {
        self.step { $0.socket.refused() }
    }

    func write(_ outgoing: RealtimeHub.Outgoing) async throws -> Bool {
        let frame: ByteBuffer
        switch outgoing {
        case .event(let event):
            frame = event.encoded(as: SocketIOEncoding.self)
        case .frame(let bytes):
            frame = bytes
        case .close:
            // An ended token, or shutdown: `41`, after which clients do not reconnect on their own.
            self.step { $0.socket.serverDisconnect() }
            return false
        }
        return self.state.withLock { state in
            guard !state.engine.isEnding else { return false }
            if state.engine.state == .open(.websocket) {
                // The shared bytes of a `4…` message go out as they are.
                self.write(frame, in: &state)
            } else {
                let text = String(buffer: frame)
                self.apply(state.engine.send([.message(String(text.dropFirst()))]), to: &state)
                // A client that stopped polling is a stalled reader: cut off, as on `/ws`.
                if state.engine.queuedCount > self.options.queueLimit { self.apply(state.engine.terminate(), to: &state) }
            }
            return !state.engine.isEnding
        }
    }

    func outgoing(for reply: RealtimeReply, ackID: Int?) -> RealtimeHub.Outgoing? {
        guard let ackID else { return reply.event.map { .event(OutgoingEvent($0)) } }
        let arguments: [String]
        do {
            switch reply {
            case .roomJoined(let joined): arguments = try SocketIOEvents.roomJoinAck(groupID: joined.groupId)
            case .messageAck(let ack): arguments = try SocketIOEvents.messageSendAck(clientID: ack.clientId, message: ack.message)
            case .error(let error): arguments = try SocketIOEvents.errorAck(code: error.code, message: error.message)
            case .done: arguments = []
            }
        } catch {
            arguments = (try? SocketIOEvents.errorAck(code: "internal_error", message: "Could not encode the answer.")) ?? []
        }
        return .frame(ByteBuffer(string: EngineIOPacket.message(SocketIOPacket.ack(ackID, arguments: arguments).encoded).encoded))
    }

    func cutOff() {
        self.engineStep { $0.terminate() }
    }
}

/// Socket.IO: each event as the Engine.IO message `42["name",{…}]`.
enum SocketIOEncoding: EventEncoding {
    static func encode(_ event: ServerEvent) -> ByteBuffer {
        guard let text = try? SocketIOEvents.frame(for: event) else {
            return ByteBuffer(string: #"42["error",{"code":"internal_error","message":"Could not encode an event."}]"#)
        }
        return ByteBuffer(string: text)
    }
}
