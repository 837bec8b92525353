/// The rules of one Engine.IO v4 session, without I/O: which transport carries it, what waits to be sent, the
/// held poll, the upgrade probe and the heartbeat. Each event is one `mutating` method returning what the I/O
/// layer must do; a transition that cannot happen traps.
struct EngineIOSessionMachine: Sendable {
    enum Transport: Sendable, Hashable {
        case polling
        /// A WebSocket probe is open beside polling (`2probe` seen or not); packets wait until `5`.
        case probing(probed: Bool)
        case websocket
    }

    enum State: Sendable, Hashable {
        case open(Transport)
        /// The server ended a polling session with packets still queued: the next poll carries them and a close.
        case closing
        case closed
    }

    /// What the I/O layer does next.
    enum Action: Sendable, Hashable {
        case none
        /// Keep the poll GET open until there is something to send.
        case holdPoll
        /// Answer the held (or just arrived) poll GET with this payload.
        case answerPoll(String)
        /// Answer this poll GET with the last packets (ending with a close); the session is over.
        case finalPoll(String)
        /// Write these packets to the WebSocket, in order.
        case sendOnWebSocket([EngineIOPacket])
        /// Answer the probe with `3probe`, and a held poll (if `releasePoll`) with a noop, so that the client lets go
        /// of it and sends `5`.
        case probed(releasePoll: Bool)
        /// The upgrade is done: answer a held poll (if `releasePoll`) with a noop, then write `flush` to the
        /// WebSocket, which carries the session from now on.
        case upgraded(flush: [EngineIOPacket], releasePoll: Bool)
        /// Answer the request with this error; `thenClose` ends the session too.
        case refuse(EngineIOError, thenClose: Bool)
        /// Close the probe socket; the session stays on polling.
        case closeProbe
        /// The session is over: answer a held poll with `1` (close) if there is one (and a second poll GET with
        /// 400), and close the sockets.
        case close(reason: CloseReason)
    }

    enum CloseReason: Sendable, Hashable {
        case clientClosed
        case pingTimeout
        case protocolError(String)
        case duplicatePoll
        case serverClosed
    }

    private(set) var state: State = .open(.polling)
    private var outbound: [EngineIOPacket] = []
    private var pollHeld = false
    private var awaitingPong = false

    /// Starts on polling, or directly on a WebSocket (`transport=websocket` without a sid).
    init(webSocket: Bool = false) {
        self.state = .open(webSocket ? .websocket : .polling)
    }

    var isClosed: Bool { self.state == .closed }
    /// Whether the session is over or ending: nothing more goes out.
    var isEnding: Bool { self.state == .closed || self.state == .closing }
    /// Packets waiting for a poll (or for the end of an upgrade).
    var queuedCount: Int { self.outbound.count }

    // MARK: Polling

    /// A poll GET arrived.
    mutating func pollRequested() -> Action {
        switch self.state {
        case .closed:
            return .refuse(.unknownSession, thenClose: false)
        case .closing:
            self.state = .closed
            return .finalPoll(self.takeFinalPayload())
        case .open(.websocket):
            return .refuse(.badRequest, thenClose: false)
        case .open(.polling), .open(.probing):
            if self.pollHeld {
                self.state = .closed
                return .close(reason: .duplicatePoll)
            }
            if case .open(.polling) = self.state, !self.outbound.isEmpty { return .answerPoll(self.takePollPayload()) }
            self.pollHeld = true
            return .holdPoll
        }
    }

    /// A POST body arrived: the packets to hand to Socket.IO, and what to do.
    mutating func posted(_ packets: [EngineIOPacket]) -> (messages: [EngineIOPacket], action: Action) {
        switch self.state {
        case .closed:
            return ([], .refuse(.unknownSession, thenClose: false))
        case .closing:
            return ([], .none)
        case .open(.websocket):
            return ([], .refuse(.badRequest, thenClose: false))
        case .open(.polling), .open(.probing):
            return self.received(packets)
        }
    }

    // MARK: WebSocket

    /// A frame arrived on the session's WebSocket (after an upgrade, or WebSocket-only).
    mutating func webSocketReceived(_ packet: EngineIOPacket) -> (messages: [EngineIOPacket], action: Action) {
        switch self.state {
        case .closed, .closing: return ([], .none)
        case .open(.websocket): break
        case .open(.polling), .open(.probing): preconditionFailure("a WebSocket frame for a session not on WebSocket")
        }
        return self.received([packet])
    }

    // MARK: Upgrade

    /// A WebSocket with this session's sid connected: it becomes the probe, unless there is one already.
    mutating func probeOpened() -> Action {
        guard case .open(.polling) = self.state else { return .refuse(.badRequest, thenClose: false) }
        self.state = .open(.probing(probed: false))
        return .none
    }

    /// A frame arrived on the probe socket: `2probe`, then `5`; anything else ends the probe.
    mutating func probeReceived(_ packet: EngineIOPacket) -> Action {
        // The session may have closed, or the probe timed out, while this frame was on its way.
        guard case .open(.probing(let probed)) = self.state else { return .closeProbe }
        switch (packet, probed) {
        case (.ping("probe"), false):
            self.state = .open(.probing(probed: true))
            defer { self.pollHeld = false }
            return .probed(releasePoll: self.pollHeld)
        case (.upgrade, true):
            self.state = .open(.websocket)
            let flushed = self.outbound
            self.outbound = []
            defer { self.pollHeld = false }
            return .upgraded(flush: flushed, releasePoll: self.pollHeld)
        default:
            self.state = .open(.polling)
            return .closeProbe
        }
    }

    /// The probe socket closed or timed out before `5`: back to polling.
    mutating func probeEnded() {
        if case .open(.probing) = self.state { self.state = .open(.polling) }
    }

    // MARK: Sending and the heartbeat

    /// Packets for the client.
    mutating func send(_ packets: [EngineIOPacket]) -> Action {
        switch self.state {
        case .closed, .closing:
            return .none
        case .open(.websocket):
            return .sendOnWebSocket(packets)
        case .open(.probing):
            self.outbound += packets
            return .none
        case .open(.polling):
            self.outbound += packets
            guard self.pollHeld else { return .none }
            self.pollHeld = false
            return .answerPoll(self.takePollPayload())
        }
    }

    /// The ping interval passed: a pong still missing ends the session; otherwise a ping goes out.
    mutating func pingTimerFired() -> Action {
        if self.state == .closing {
            // The client never came for its last packets.
            self.state = .closed
            return .close(reason: .serverClosed)
        }
        guard case .open = self.state else { return .none }
        if self.awaitingPong {
            self.state = .closed
            return .close(reason: .pingTimeout)
        }
        self.awaitingPong = true
        return self.send([.ping("")])
    }

    /// `pingTimeout` passed since the last ping: without its pong, the session ends.
    mutating func pongDeadlinePassed() -> Action {
        guard case .open = self.state, self.awaitingPong else { return .none }
        self.state = .closed
        return .close(reason: .pingTimeout)
    }

    /// The server ends the session (shutdown, an ended token, a refused CONNECT). On polling, packets still
    /// queued are not lost: they wait, with a close packet after them, for the client's next poll.
    mutating func serverClose() -> Action {
        switch self.state {
        case .closed, .closing:
            return .none
        case .open(.polling) where !self.outbound.isEmpty, .open(.probing) where !self.outbound.isEmpty:
            self.state = .closing
            return .none
        case .open:
            self.state = .closed
            return .close(reason: .serverClosed)
        }
    }

    /// Ends the session now, dropping what waits (a stalled reader, the last step of a shutdown).
    mutating func terminate() -> Action {
        guard self.state != .closed else { return .none }
        self.state = .closed
        self.outbound = []
        return .close(reason: .serverClosed)
    }

    // MARK: Helpers

    private mutating func received(_ packets: [EngineIOPacket]) -> (messages: [EngineIOPacket], action: Action) {
        var messages: [EngineIOPacket] = []
        for packet in packets {
            switch packet {
            case .pong:
                self.awaitingPong = false
            case .message, .binary:
                messages.append(packet)
            case .close:
                self.state = .closed
                return (messages, .close(reason: .clientClosed))
            case .open, .ping, .upgrade, .noop:
                // v4 clients do not ping, and the others never come from a client outside a probe.
                self.state = .closed
                return (messages, .close(reason: .protocolError("unexpected packet \(packet.encoded.prefix(8))")))
            }
        }
        return (messages, .none)
    }

    /// The last packets of a closing session and the close packet, at most 16 (older ones are dropped first: the
    /// client reconnects and catches up).
    private mutating func takeFinalPayload() -> String {
        let packets = Array((self.outbound + [.close]).suffix(EngineIOPacket.maxPacketsPerPoll))
        self.outbound = []
        return EngineIOPacket.encodePayloads(packets)[0]
    }

    /// Up to 16 queued packets as one poll answer; the rest wait for the next poll.
    private mutating func takePollPayload() -> String {
        let count = min(self.outbound.count, EngineIOPacket.maxPacketsPerPoll)
        let payload = EngineIOPacket.encodePayloads(Array(self.outbound.prefix(count)))[0]
        self.outbound.removeFirst(count)
        return payload
    }
}
