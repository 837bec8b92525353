import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import Synchronization

/// `chat-bench bare-server`: the baseline of fanout and connections. A Hummingbird WebSocket server with no
/// database, no authentication and no JSON: a text frame from a client of `/ws?group=G` is broadcast as it is,
/// one buffer shared by every recipient, to every connection of group G (the sender's too).
struct BareServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bare-server",
        abstract: "The bare WebSocket broadcaster that the fanout and connections baselines measure (started by chat-bench).",
        shouldDisplay: false
    )

    @Option(help: "TCP port (env PORT).") var port: Int?

    func run() async throws {
        ProcessStats.raiseOpenFilesLimit()
        let port = self.port ?? ProcessInfo.processInfo.environment["PORT"].flatMap(Int.init) ?? 4100
        let rooms = BareRooms()
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.get("/healthz") { _, _ in "ok" }
        router.ws("/ws") { inbound, outbound, context in
            let room = context.request.uri.queryParameters.get("group") ?? "0"
            let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingOldest(1024))
            let id = rooms.add(continuation, to: room)
            defer { rooms.remove(id, from: room) }
            continuation.yield(ByteBuffer(string: #"{"type":"ready"}"#))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await frame in stream { try await outbound.write(.custom(.init(fin: true, opcode: .text, data: frame))) }
                }
                for try await frame in inbound where frame.opcode == .text {
                    rooms.broadcast(frame.data, to: room)
                }
                continuation.finish()
                group.cancelAll()
            }
        }
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: router),
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "bare-server")
        )
        try await app.runService()
    }
}

/// The connections of each group.
final class BareRooms: Sendable {
    private let rooms = Mutex<[String: [Int: AsyncStream<ByteBuffer>.Continuation]]>([:])
    private let nextID = Atomic<Int>(0)

    func add(_ continuation: AsyncStream<ByteBuffer>.Continuation, to room: String) -> Int {
        let id = self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        self.rooms.withLock { $0[room, default: [:]][id] = continuation }
        return id
    }

    func remove(_ id: Int, from room: String) {
        self.rooms.withLock { _ = $0[room]?.removeValue(forKey: id) }
    }

    func broadcast(_ frame: ByteBuffer, to room: String) {
        let recipients = self.rooms.withLock { Array(($0[room] ?? [:]).values) }
        for recipient in recipients { recipient.yield(frame) }
    }
}
