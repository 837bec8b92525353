import AsyncHTTPClient
import ChatCore
import Foundation
import NIOCore
import Synchronization

/// The steady mixed load of `chat-bench soak`: members of a few groups send (REST and WebSocket), read history
/// pages, mark messages read, type, reconnect, and new guests join through invites.
final class SoakLoad: Sendable {
    /// One operation of the mix, with its share.
    enum Operation: CaseIterable {
        case restSend, socketSend, historyPage, markRead, typing, reconnect, join

        var weight: Int {
            switch self {
            case .restSend: 30
            case .socketSend: 20
            case .historyPage: 20
            case .markRead: 10
            case .typing: 12
            case .reconnect: 6
            case .join: 2
            }
        }
    }

    struct Seat: Sendable {
        let member: Member
        let groupID: String
        let owner: Member
    }

    let http: HTTPClient
    let eventLoops: any EventLoopGroup
    let server: ServerHandle
    let seats: [Seat]
    private let sockets: Mutex<[BenchSocket?]>
    /// Latency of every operation that awaits an answer, this sampling interval.
    let latencies = LatencyRecorder()
    let operations = Atomic<Int>(0)
    /// Numbers the operations, for unique texts and client ids.
    let sequence = Atomic<Int>(0)
    let failures = Atomic<Int>(0)
    let lastFailure = Mutex<String?>(nil)

    init(bench: Bench, server: ServerHandle, seats: [Seat]) {
        self.http = bench.http
        self.eventLoops = bench.eventLoops
        self.server = server
        self.seats = seats
        self.sockets = Mutex(Array(repeating: nil, count: seats.count))
    }

    /// Sets up `groups` groups of `members` members each (the first owns it), every member on a WebSocket.
    static func prepare(_ bench: Bench, server: ServerHandle, groups: Int, members: Int) async throws -> SoakLoad {
        let users = try await bench.guests(groups * members, on: server, label: "soak")
        let api = APIClient(baseURL: server.baseURL, http: bench.http)
        var seats: [Seat] = []
        for group in 0..<groups {
            let owner = users[group * members]
            let created = try await BenchError.wrap("create group") { () async throws(APIError) in
                try await api.authenticated(owner.token).createGroup(name: "soak \(group)")
            }
            let invite = try await BenchError.wrap("invite") { () async throws(APIError) in
                try await api.authenticated(owner.token).createInvite(groupID: created.id, expiresInHours: 720, uses: 1000)
            }
            for index in 0..<members {
                let member = users[group * members + index]
                if index > 0 {
                    _ = try await BenchError.wrap("join") { () async throws(APIError) in
                        try await api.authenticated(member.token).acceptInvite(invite.token)
                    }
                }
                seats.append(Seat(member: member, groupID: created.id, owner: owner))
            }
        }
        let load = SoakLoad(bench: bench, server: server, seats: seats)
        for index in seats.indices { try await load.connect(index) }
        return load
    }

    /// Opens seat `index`'s WebSocket and waits for its `ready`.
    func connect(_ index: Int) async throws {
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Void.self)
        let socket = try await BenchSocket.connect(
            host: self.server.host,
            port: self.server.port,
            path: "/ws",
            token: self.seats[index].member.token,
            on: self.eventLoops,
            onText: { frame in
                if LoadMark.isReady(frame) { readyContinuation.yield() }
                // An error before `ready` is a failed connection, not a ready one.
                if LoadMark.isError(frame) { readyContinuation.finish() }
            },
            onClose: { readyContinuation.finish() }
        )
        var iterator = ready.makeAsyncIterator()
        guard await iterator.next() != nil else { throw BenchError("the WebSocket of seat \(index) closed before ready") }
        let previous = self.sockets.withLock { sockets in
            defer { sockets[index] = socket }
            return sockets[index]
        }
        previous?.close()
    }

    /// Picks an operation by weight.
    static func pick(_ roll: Int) -> Operation {
        var rest = roll % Operation.allCases.map(\.weight).reduce(0, +)
        for operation in Operation.allCases {
            if rest < operation.weight { return operation }
            rest -= operation.weight
        }
        return .restSend
    }

    /// Runs one operation for a random seat, recording its latency, or the failure.
    func perform(_ operation: Operation, sequence: Int) async {
        let index = Int.random(in: 0..<self.seats.count)
        let seat = self.seats[index]
        let api = APIClient(baseURL: self.server.baseURL, http: self.http).authenticated(seat.member.token)
        let start = nowNanos()
        do {
            switch operation {
            case .restSend:
                _ = try await api.sendMessage(groupID: seat.groupID, text: "soak \(sequence)", clientID: "soak-\(sequence)")
            case .socketSend:
                let frame =
                    #"{"type":"message:send","data":{"groupId":"\#(seat.groupID)","text":"soak \#(sequence)","clientId":"soak-\#(sequence)"}}"#
                self.sockets.withLock { $0[index] }?.send(frame)
            case .historyPage:
                _ = try await api.messages(groupID: seat.groupID, limit: 50)
            case .markRead:
                let newest = try await api.messages(groupID: seat.groupID, limit: 1).messages.first?.seq
                if let newest { try await api.markRead(groupID: seat.groupID, seq: newest) }
            case .typing:
                self.sockets.withLock { $0[index] }?.send(#"{"type":"typing","data":{"groupId":"\#(seat.groupID)"}}"#)
            case .reconnect:
                try await self.connect(index)
            case .join:
                let owner = APIClient(baseURL: self.server.baseURL, http: self.http).authenticated(seat.owner.token)
                let invite = try await owner.createInvite(groupID: seat.groupID, expiresInHours: 1, uses: 1)
                let guest = try await APIClient(baseURL: self.server.baseURL, http: self.http).guest(displayName: "joiner \(sequence)")
                _ = try await api.authenticated(guest.token).acceptInvite(invite.token)
            }
            if operation != .socketSend, operation != .typing { self.latencies.record(from: start, to: nowNanos()) }
            self.operations.add(1, ordering: .relaxed)
        } catch {
            self.failures.add(1, ordering: .relaxed)
            self.lastFailure.withLock { $0 = "\(operation): \(error)" }
        }
    }

    /// Closes every WebSocket.
    func close() {
        for socket in self.sockets.withLock({ $0 }) { socket?.close() }
    }
}
