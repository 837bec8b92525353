import ChatCore
import Foundation
import Logging
import NIOCore
import Synchronization
import Tracing

/// Routes events to the WebSocket connections of the members they concern, on this instance.
///
/// Events are routed as typed values (``OutgoingEvent``): each transport's edge encodes an event once, and every
/// recipient on that transport shares the bytes. A connection's queue is
/// bounded: a reader that stops reading is cut off when its queue is full, and catches up by `rev` when it
/// reconnects, so one stalled socket never holds memory or slows the others.
public final class RealtimeHub: ChatEventSink, Sendable {
    /// Identifies one real-time connection (a `/ws` socket or a Socket.IO session).
    public struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
        let raw: UInt64
        public var description: String { "ws-\(self.raw)" }
    }

    /// What a connection's writer receives.
    public enum Outgoing: Sendable {
        /// An event, for the connection's edge to encode in its transport's form (once for all its recipients).
        case event(OutgoingEvent)
        /// Bytes the connection's own edge prepared in its wire form (a Socket.IO acknowledgement).
        case frame(ByteBuffer)
        /// Close the socket with this code (1001 at shutdown, 4001 when the token expires).
        case close(code: UInt16, reason: String)
    }

    private struct Connection {
        let userID: String
        /// The version of the token the socket was opened with.
        let tokenVersion: Int64
        /// When that token expires, until the connection has been asked to close for it.
        var expiresAt: Date?
        let continuation: AsyncStream<Outgoing>.Continuation
        /// Writes the connection's frames straight to its channel (`/ws`); without one, they go through
        /// `continuation` to the session's writer.
        let direct: DirectSocketWriter?
        /// Called once when the queue overflows; it must close the socket.
        let cutOff: @Sendable () -> Void
        var groups: Set<String> = []
        /// Frames held back until `ready` has been sent, or `nil` once live.
        var held: [Outgoing]? = []
    }

    private struct State {
        var nextID: UInt64 = 1
        var connections: [ConnectionID: Connection] = [:]
        var byUser: [String: Set<ConnectionID>] = [:]
        var byGroup: [String: Set<ConnectionID>] = [:]
        var queueLimit: Int
        /// Per group with subscribers (dropped with the last one): the newest `seq` and `rev` delivered or announced, and the recent revs
        /// already delivered, so that a change arriving twice (a notification and a catch-up) goes out once.
        var known: [String: GroupCursor] = [:]
        var delivered: [String: Set<Int64>] = [:]
        /// Cut-off callbacks of connections that overflowed, to call once the lock is released.
        var overflowed: [@Sendable () -> Void] = []
        /// Direct writers that got frames, to drain once the lock is released.
        var toDrain: [DirectSocketWriter] = []
    }

    private let state: Mutex<State>
    /// The most frames a connection may have waiting.
    public let queueLimit: Int
    private let logger: Logger
    private let metrics: ServerMetrics?
    /// The token versions the instance checks requests against, told of every version raised.
    public let sessions: SessionVersions

    public init(queueLimit: Int = 1024, logger: Logger, metrics: ServerMetrics? = nil, sessions: SessionVersions = SessionVersions()) {
        self.queueLimit = queueLimit
        self.sessions = sessions
        self.logger = logger
        self.metrics = metrics
        self.state = Mutex(State(queueLimit: queueLimit))
    }

    /// Registers a connection of `userID`. It receives the events of groups it is later subscribed to, and every
    /// `member:joined` that makes the user a member, but they are held back until ``ready(_:event:)``.
    /// `cutOff` is called, at most once, if the connection's queue overflows: it must close the socket.
    /// Once `expiresAt` has passed, ``closeExpired(at:)`` closes the connection. With `channel` (`/ws`), frames
    /// are written straight to it; the stream then carries only closes.
    public func register(
        userID: String,
        tokenVersion: Int64 = 0,
        expiresAt: Date? = nil,
        channel: (any Channel)? = nil,
        cutOff: @escaping @Sendable () -> Void
    ) -> (ConnectionID, AsyncStream<Outgoing>) {
        // One slot more than the limit, kept for a close.
        let (stream, continuation) = AsyncStream.makeStream(of: Outgoing.self, bufferingPolicy: .bufferingOldest(self.queueLimit + 1))
        let direct = channel.map { DirectSocketWriter(channel: $0, limit: self.queueLimit) { continuation.yield($0) } }
        let id = self.state.withLock { state in
            let id = ConnectionID(raw: state.nextID)
            state.nextID += 1
            state.connections[id] = Connection(
                userID: userID,
                tokenVersion: tokenVersion,
                expiresAt: expiresAt,
                continuation: continuation,
                direct: direct,
                cutOff: cutOff
            )
            state.byUser[userID, default: []].insert(id)
            return id
        }
        self.metrics?.connectionOpened()
        return (id, stream)
    }

    /// Subscribes a connection to groups.
    public func subscribe(_ id: ConnectionID, to groupIDs: some Sequence<String>) {
        self.state.withLock { state in
            for groupID in groupIDs { Self.subscribe(id, to: groupID, in: &state) }
        }
    }

    /// Sends `event` first, then whatever was held back, and makes the connection live.
    public func ready(_ id: ConnectionID, event: ServerEvent) {
        if case .ready(let ready) = event {
            self.state.withLock { state in
                for cursor in ready.groups { state.known[cursor.id, default: GroupCursor()].advance(seq: cursor.lastSeq, rev: cursor.rev) }
            }
        }
        let first = Outgoing.event(OutgoingEvent(event))
        self.state.withLock { state in
            guard let held = state.connections[id]?.held else { return }
            state.connections[id]?.held = nil
            for outgoing in [first] + held { Self.enqueue(outgoing, to: id, in: &state) }
        }
        self.afterQueuing()
    }

    /// Whether the connection receives the group's events.
    public func isSubscribed(_ id: ConnectionID, to groupID: String) -> Bool {
        self.state.withLock { $0.connections[id]?.groups.contains(groupID) ?? false }
    }

    /// Sends one event to one connection.
    public func send(_ event: ServerEvent, to id: ConnectionID) {
        self.send(.event(OutgoingEvent(event)), to: id)
    }

    /// Sends bytes the connection's edge prepared, in order with its events.
    func send(_ outgoing: Outgoing, to id: ConnectionID) {
        self.state.withLock { Self.enqueue(outgoing, to: id, in: &$0) }
        self.afterQueuing()
    }

    /// Forgets a connection.
    public func unregister(_ id: ConnectionID) {
        self.state.withLock { Self.remove(id, from: &$0) }
        self.metrics?.connectionClosed()
    }

    /// Asks one connection to close with `code`, after what is already queued for it.
    public func close(_ id: ConnectionID, code: UInt16, reason: String) {
        self.state.withLock { state in Self.requestClose(.close(code: code, reason: reason), of: id, in: &state) }
        self.afterQueuing()
    }

    /// Asks each connection whose token has expired by `now` to close (4001), once; returns how many.
    ///
    /// One sweep for all connections rather than a timer each: a cancelled `Task.sleep` keeps its timer, and
    /// what the sleeping task holds, until the deadline, so a timer per connection as long as a token's lifetime
    /// would keep memory for every connection that closed before its token expired.
    @discardableResult
    public func closeExpired(at now: Date) -> Int {
        let closed = self.state.withLock { state in
            var closed = 0
            for (id, connection) in state.connections {
                guard let expiresAt = connection.expiresAt, expiresAt <= now else { continue }
                state.connections[id]?.expiresAt = nil
                Self.requestClose(.close(code: Self.tokenExpiredCode, reason: "token expired"), of: id, in: &state)
                closed += 1
            }
            return closed
        }
        self.afterQueuing()
        return closed
    }

    /// The close code of a socket whose token expired: the client must sign in again.
    static let tokenExpiredCode: UInt16 = 4001

    /// Asks every connection to close with `code`, and waits up to `timeout` for them to go.
    public func closeAll(code: UInt16, reason: String, timeout: Duration) async {
        self.state.withLock { state in
            for id in state.connections.keys { Self.requestClose(.close(code: code, reason: reason), of: id, in: &state) }
        }
        self.afterQueuing()
        let deadline = ContinuousClock.now + timeout
        while self.connectionCount > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Whether any connection follows the group.
    public func hasSubscribers(_ groupID: String) -> Bool {
        self.state.withLock { !($0.byGroup[groupID]?.isEmpty ?? true) }
    }

    /// The users with an open connection.
    public func connectedUsers() -> [String] {
        self.state.withLock { Array($0.byUser.keys) }
    }

    /// Whether the user has an open connection here.
    /// The users with at least one open connection here.
    var connectedUserIDs: [String] {
        self.state.withLock { Array($0.byUser.keys) }
    }

    public func isConnected(_ userID: String) -> Bool {
        self.state.withLock { $0.byUser[userID] != nil }
    }

    /// For each group some connection follows: the newest `seq` and `rev` delivered (or announced by `ready`).
    public func knownCursors() -> [String: GroupCursor] {
        self.state.withLock { state in
            state.byGroup.keys.reduce(into: [:]) { result, group in result[group] = state.known[group] ?? GroupCursor() }
        }
    }

    /// The number of open connections.
    public var connectionCount: Int { self.state.withLock { $0.connections.count } }

    /// Delivers committed events to the connections concerned, each encoded once per transport.
    public func publish(_ events: [ChatEvent]) {
        guard ServerTracing.isActive else {
            self.deliver(events)
            return
        }
        withSpan("fanout", ofKind: .producer) { span in
            span.attributes["chat.events"] = events.count
            span.attributes["chat.events.fresh"] = self.deliver(events)
        }
    }

    /// Delivers events as ``publish(_:)`` does, and returns how many were new: a stored change already
    /// delivered (by its `rev`) is not sent again.
    @discardableResult
    public func deliver(_ events: [ChatEvent]) -> Int {
        var fresh = 0
        for event in events {
            if case .sessionsEnded(let userID, let version, let deleted) = event {
                self.endSessions(of: userID, before: version, deleted: deleted, frame: .event(OutgoingEvent(event.serverEvent)))
                continue
            }
            let start = ContinuousClock.now
            let outgoing = OutgoingEvent(event.serverEvent)
            // Encoded for `/ws` before the lock is taken: most connections are WebSockets, written directly.
            _ = outgoing.encoded(as: WebSocketEncoding.self)
            let frame = Outgoing.event(outgoing)
            let recipients = self.state.withLock { state -> Int? in
                if let groupID = event.groupID, let rev = event.rev {
                    guard Self.firstDelivery(of: rev, in: groupID, state: &state) else { return nil }
                }
                if case .messageCreated(let message) = event {
                    state.known[message.groupId, default: GroupCursor()].advance(seq: message.seq, rev: message.rev)
                }
                let recipients = Self.route(event, frame: frame, in: &state)
                if let groupID = event.groupID, state.byGroup[groupID] == nil { Self.forget(groupID, in: &state) }
                return recipients
            }
            guard let recipients else { continue }
            fresh += 1
            self.metrics?.fannedOut(recipients: recipients, in: .now - start)
        }
        self.afterQueuing()
        return fresh
    }

    /// Stops accepting the account's ended tokens here, and closes the sockets opened with them (all of a deleted
    /// account's), after telling them why.
    private func endSessions(of userID: String, before version: Int64, deleted: Bool, frame: Outgoing) {
        self.sessions.ended(userID: userID, version: version, deleted: deleted)
        self.state.withLock { state in
            for id in state.byUser[userID] ?? [] {
                guard let connection = state.connections[id], deleted || connection.tokenVersion < version else { continue }
                Self.enqueue(frame, to: id, in: &state)
                Self.requestClose(.close(code: Self.sessionEndedCode, reason: "session ended"), of: id, in: &state)
            }
        }
        self.afterQueuing()
    }

    /// The close code of a socket whose token ended: as for an expired token, the client must sign in again.
    static let sessionEndedCode = tokenExpiredCode

    /// Sends one event's frame to the connections it concerns, and keeps the subscriptions in step with the
    /// memberships it changes. Returns how many connections it reached.
    private static func route(_ event: ChatEvent, frame: Outgoing, in state: inout State) -> Int {
        var targets: Set<ConnectionID>
        switch event {
        case .messageCreated(let message), .messageUpdated(let message):
            targets = state.byGroup[message.groupId] ?? []
        case .memberUpdated(let groupID, _, _, _):
            targets = state.byGroup[groupID] ?? []
        case .groupUpdated(let group, _):
            targets = state.byGroup[group.id] ?? []
        case .memberJoined(let groupID, let user, _, _):
            for id in state.byUser[user.id] ?? [] { Self.subscribe(id, to: groupID, in: &state) }
            targets = state.byGroup[groupID] ?? []
        case .memberRemoved(let groupID, let userID, _, _):
            // The removed user hears it too, on every connection, and then nothing more of the group.
            targets = state.byGroup[groupID] ?? []
            for id in targets { Self.enqueue(frame, to: id, in: &state) }
            for id in state.byUser[userID] ?? [] { Self.unsubscribe(id, from: groupID, in: &state) }
            return targets.count
        case .groupDeleted(let groupID):
            // Every member hears that they were removed: a frame per user, with their own id.
            targets = state.byGroup[groupID] ?? []
            var frames: [String: Outgoing] = [:]
            for id in targets {
                guard let userID = state.connections[id]?.userID else { continue }
                let own =
                    frames[userID]
                    ?? .event(OutgoingEvent(.memberRemoved(.init(groupId: groupID, userId: userID, reason: .groupDeleted, rev: 0))))
                frames[userID] = own
                Self.enqueue(own, to: id, in: &state)
                Self.unsubscribe(id, from: groupID, in: &state)
            }
            return targets.count
        case .joinRequested(_, let managers):
            targets = managers.reduce(into: Set<ConnectionID>()) { $0.formUnion(state.byUser[$1] ?? []) }
        case .joinDenied(_, _, let userID):
            targets = state.byUser[userID] ?? []
        case .read(let userID, _, _):
            targets = state.byUser[userID] ?? []
        case .presence(let update):
            targets = update.groupIDs.reduce(into: Set<ConnectionID>()) { $0.formUnion(state.byGroup[$1] ?? []) }
            targets.subtract(state.byUser[update.userID] ?? [])
        case .typing(let groupID, let user):
            targets = (state.byGroup[groupID] ?? []).subtracting(state.byUser[user.id] ?? [])
        case .sessionsEnded:
            targets = []
        }
        for id in targets { Self.enqueue(frame, to: id, in: &state) }
        return targets.count
    }

    /// Records a stored change as delivered; `false` when it already was.
    private static func firstDelivery(of rev: Int64, in groupID: String, state: inout State) -> Bool {
        // Mutated in place: a copy of the set per change would cost up to 1,024 elements on the fan-out path.
        guard state.delivered[groupID, default: []].insert(rev).inserted else { return false }
        state.known[groupID, default: GroupCursor()].advance(seq: 0, rev: rev)
        if let seen = state.delivered[groupID], seen.count > 1024, let newest = state.known[groupID]?.rev {
            state.delivered[groupID] = seen.filter { $0 > newest - 512 }
        }
        return true
    }

    private static func subscribe(_ id: ConnectionID, to groupID: String, in state: inout State) {
        guard state.connections[id] != nil else { return }
        state.connections[id]?.groups.insert(groupID)
        state.byGroup[groupID, default: []].insert(id)
    }

    private static func unsubscribe(_ id: ConnectionID, from groupID: String, in state: inout State) {
        state.connections[id]?.groups.remove(groupID)
        state.byGroup[groupID]?.remove(id)
        if state.byGroup[groupID]?.isEmpty == true { Self.forget(groupID, in: &state) }
    }

    /// Drops what the hub knows of a group no connection follows any more: a connection that subscribes
    /// later starts from its own `ready`.
    private static func forget(_ groupID: String, in state: inout State) {
        state.byGroup[groupID] = nil
        state.known[groupID] = nil
        state.delivered[groupID] = nil
    }

    /// How many groups the hub keeps delivery state for (followed groups only).
    var trackedGroupCount: Int { self.state.withLock { Set($0.known.keys).union($0.delivered.keys).count } }

    private static func enqueue(_ outgoing: Outgoing, to id: ConnectionID, in state: inout State) {
        guard let connection = state.connections[id] else { return }
        if connection.held != nil {
            state.connections[id]?.held?.append(outgoing)
            if state.connections[id]?.held?.count ?? 0 > state.queueLimit { Self.overflow(id, in: &state) }
            return
        }
        if let direct = connection.direct {
            guard let bytes = DirectSocketWriter.frame(of: outgoing) else {
                if direct.enqueueClose(outgoing) { state.toDrain.append(direct) }
                return
            }
            let (withinLimit, schedule) = direct.enqueue(bytes)
            if schedule { state.toDrain.append(direct) }
            if !withinLimit { Self.overflow(id, in: &state) }
            return
        }
        if case .enqueued(let remaining) = connection.continuation.yield(outgoing), remaining > 0 { return }
        // The queue reached its limit: the reader has stalled.
        Self.overflow(id, in: &state)
    }

    /// Asks a connection to close after what is queued for it.
    private static func requestClose(_ close: Outgoing, of id: ConnectionID, in state: inout State) {
        guard let connection = state.connections[id] else { return }
        if let direct = connection.direct, connection.held == nil {
            if direct.enqueueClose(close) { state.toDrain.append(direct) }
        } else {
            connection.continuation.yield(close)
        }
    }

    /// Cuts a stalled reader off: its events stop here, and its socket is closed outside the lock.
    private static func overflow(_ id: ConnectionID, in state: inout State) {
        guard let connection = state.connections[id] else { return }
        connection.continuation.finish()
        state.overflowed.append(connection.cutOff)
        state.connections[id]?.held = nil
        Self.remove(id, from: &state)
    }

    private static func remove(_ id: ConnectionID, from state: inout State) {
        guard let connection = state.connections.removeValue(forKey: id) else { return }
        connection.continuation.finish()
        state.byUser[connection.userID]?.remove(id)
        if state.byUser[connection.userID]?.isEmpty == true { state.byUser[connection.userID] = nil }
        for groupID in connection.groups {
            state.byGroup[groupID]?.remove(id)
            if state.byGroup[groupID]?.isEmpty == true { Self.forget(groupID, in: &state) }
        }
    }

    /// After frames were queued: drains the direct writers that got some (one task per event loop), and cuts
    /// off the connections that overflowed, outside the lock.
    private func afterQueuing() {
        let (cutOffs, writers) = self.state.withLock { state in
            defer {
                state.overflowed = []
                state.toDrain = []
            }
            return (state.overflowed, state.toDrain)
        }
        DirectSocketWriter.drain(writers)
        for cutOff in cutOffs { cutOff() }
    }
}

extension RealtimeHub {
    /// How far a group's events have come on this instance.
    public struct GroupCursor: Sendable, Hashable {
        public var seq: Int64 = 0
        public var rev: Int64 = 0

        mutating func advance(seq: Int64, rev: Int64) {
            self.seq = max(self.seq, seq)
            self.rev = max(self.rev, rev)
        }
    }
}
