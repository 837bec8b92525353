import Foundation
import NIOCore
import Synchronization

/// The fan-out load: groups of connected members, each with one sender, and every delivery timed.
///
/// The same generator drives chat-server and the bare baseline: only the socket path and the token differ.
final class FanoutLoad: Sendable {
    /// How senders pace themselves.
    enum Mode: Int {
        case idle = 0
        /// A few messages in flight per sender: the next leaves when one has reached every member.
        case closed = 1
        /// Messages leave on a timetable, whatever happens to the earlier ones.
        case open = 2
    }

    /// How the members connect to chat-server.
    enum Transport: String, Sendable {
        /// `/ws`: JSON frames.
        case webSocket = "ws"
        /// `/socket.io/` with the websocket transport, as a Socket.IO client with `transports: ['websocket']` does.
        case socketIO = "socket.io"
    }

    let flows: [FanoutFlow]
    let transport: Transport
    let latency = LatencyRecorder()
    /// With members on two instances: the deliveries to members on the other instance than the sender's.
    let farLatency = LatencyRecorder()
    let deliveries = Atomic<Int>(0)
    let ready = Counter()
    let closedSockets = Counter()
    /// `error` events: a send the server refused, whose message then never arrives.
    let errors = Counter()
    private let modeValue = Atomic<Int>(Mode.idle.rawValue)

    init(groups: [String?], members: Int, transport: Transport = .webSocket) {
        self.transport = transport
        self.flows = groups.enumerated().map { FanoutFlow(index: $0.offset, groupID: $0.element, members: members, transport: transport) }
    }

    var mode: Mode {
        get { Mode(rawValue: self.modeValue.load(ordering: .acquiring)) ?? .idle }
        set { self.modeValue.store(newValue.rawValue, ordering: .releasing) }
    }

    /// Connects every member of every group; `tokens[g][m]` authenticates member m of group g (nil: the bare
    /// server, whose groups are chosen by the path).
    func connect(to server: ServerHandle, tokens: [[String?]], bench: Bench) async throws {
        try await self.connect(to: [server], tokens: tokens, bench: bench) { _ in 0 }
    }

    /// Connects member m of each group to `servers[instance(m)]`; the senders (member 0) should be on
    /// `servers[0]`: deliveries to members elsewhere are timed apart, in `farLatency`.
    func connect(to servers: [ServerHandle], tokens: [[String?]], bench: Bench, instance: @escaping @Sendable (Int) -> Int) async throws {
        let eventLoops = bench.eventLoops
        for (g, flow) in self.flows.enumerated() {
            try await withThrowingTaskGroup(of: (Int, BenchSocket).self) { group in
                for (m, token) in tokens[g].enumerated() {
                    let server = servers[instance(m)]
                    let far = instance(m) != 0
                    group.addTask {
                        // Socket.IO's client answers the server's pings (`2`) with `3`, on the socket that got them.
                        let connected = Mutex<BenchSocket?>(nil)
                        let socketIO = self.transport == .socketIO
                        let socket = try await BenchSocket.connect(
                            host: server.host,
                            port: server.port,
                            path: token == nil ? "/ws?group=\(g)" : socketIO ? "/socket.io/?EIO=4&transport=websocket" : "/ws",
                            token: token,
                            on: eventLoops,
                            onText: { [self] frame in
                                if socketIO, frame.readableBytes == 1, frame.getInteger(at: frame.readerIndex, as: UInt8.self) == UInt8(ascii: "2") {
                                    connected.withLock { $0 }?.send("3")
                                    return
                                }
                                self.received(frame, by: flow, far: far)
                            },
                            onClose: { [self] in self.closedSockets.increment() }
                        )
                        connected.withLock { $0 = socket }
                        // The CONNECT to the default namespace; the token came with the upgrade's header.
                        if socketIO { socket.send("40") }
                        return (m, socket)
                    }
                }
                var sockets: [BenchSocket?] = Array(repeating: nil, count: tokens[g].count)
                for try await (m, socket) in group { sockets[m] = socket }
                flow.attach(sockets.compactMap { $0 })
            }
            bench.progress.update("fanout: \(g + 1)/\(self.flows.count) groups connected")
        }
        try await self.ready.wait(until: tokens.map(\.count).reduce(0, +))
    }

    /// Closes every socket.
    func disconnect() {
        for flow in self.flows { flow.closeAll() }
    }

    /// Messages still on their way to some member.
    var undelivered: Int { self.flows.map(\.undelivered).reduce(0, +) }

    /// Waits up to `timeout` for every message sent to reach every member.
    func drain(timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while self.undelivered > 0, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// Starts timing deliveries (both recorders), dropping the warm-up's.
    func startRecording() {
        self.latency.start()
        self.farLatency.start()
    }

    func stopRecording() {
        self.latency.stop()
        self.farLatency.stop()
    }

    private func received(_ frame: ByteBuffer, by flow: FanoutFlow, far: Bool) {
        if LoadMark.isAck(frame) { return }
        guard let mark = LoadMark.find(in: frame) else {
            if LoadMark.isReady(frame) {
                self.ready.increment()
            } else if LoadMark.isError(frame) {
                self.errors.increment()
            }
            return
        }
        (far ? self.farLatency : self.latency).record(from: mark.nanos, to: nowNanos())
        self.deliveries.add(1, ordering: .relaxed)
        if flow.delivered(mark.index), self.mode == .closed { flow.send(due: nowNanos()) }
    }
}

/// One group of the load: its members' sockets, the first of which sends, and what is still in flight.
final class FanoutFlow: Sendable {
    let index: Int
    /// The group's id on chat-server; nil on the bare server.
    let groupID: String?
    let members: Int
    let transport: FanoutLoad.Transport
    private let sockets = Mutex<[BenchSocket]>([])
    /// The next message index, and the members each message in flight has yet to reach.
    private let state = Mutex<(next: Int, remaining: [Int: Int])>((0, [:]))

    init(index: Int, groupID: String?, members: Int, transport: FanoutLoad.Transport = .webSocket) {
        self.transport = transport
        self.index = index
        self.groupID = groupID
        self.members = members
    }

    func attach(_ sockets: [BenchSocket]) { self.sockets.withLock { $0 = sockets } }

    func closeAll() {
        for socket in self.sockets.withLock({ $0 }) { socket.close() }
    }

    var undelivered: Int { self.state.withLock { $0.remaining.count } }

    /// Sends the next message, marked as due at `due`.
    func send(due: UInt64) {
        let index = self.state.withLock { state -> Int in
            state.next += 1
            state.remaining[state.next] = self.members
            return state.next
        }
        let text = LoadMark.text(group: self.index, index: index, nanos: due)
        let group = self.groupID ?? "\(self.index)"
        let data = #"{"groupId":"\#(group)","text":"\#(text)","clientId":"fanout-\#(due)-\#(index)"}"#
        let frame = self.transport == .socketIO ? #"42["message:send",\#(data)]"# : #"{"type":"message:send","data":\#(data)}"#
        self.sockets.withLock { $0.first }?.send(frame)
    }

    /// Counts one delivery of message `index`; true when it has now reached every member.
    func delivered(_ index: Int) -> Bool {
        self.state.withLock { state in
            guard let left = state.remaining[index] else { return false }
            if left <= 1 {
                state.remaining.removeValue(forKey: index)
                return true
            }
            state.remaining[index] = left - 1
            return false
        }
    }
}
