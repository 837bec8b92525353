import ChatCore
import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Synchronization
import Testing

@testable import ChatServer

@Suite("Frames written straight to /ws channels")
struct DirectSocketWriterTests {
    static let user = User(id: "u-ann", displayName: "Ann", email: nil, isGuest: true, createdAt: Date(timeIntervalSince1970: 1_795_000_000))

    static func message(_ seq: Int64) -> Message {
        Message(
            id: "m-\(seq)",
            groupId: "g",
            seq: seq,
            rev: seq,
            sender: UserSummary(id: "u-bob", displayName: "Bob"),
            text: "hello \(seq)",
            createdAt: Date(timeIntervalSince1970: 1_795_000_000),
            clientId: nil
        )
    }

    /// The text frames written to `channel` so far, decoded.
    static func written(_ channel: EmbeddedChannel) throws -> [ServerEvent] {
        var events: [ServerEvent] = []
        while let frame = try channel.readOutbound(as: WebSocketFrame.self) {
            #expect(frame.opcode == .text && frame.fin)
            events.append(try ChatJSON.decoder.decode(ServerEvent.self, from: Data(buffer: frame.data)))
        }
        return events
    }

    @Test("events reach the channel in order, drained on its event loop with one flush per batch; the writer task gets only the close, after them")
    func ordered() async throws {
        let hub = RealtimeHub(logger: Logger(label: "test"))
        let channel = EmbeddedChannel()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        let (id, stream) = hub.register(userID: Self.user.id, channel: channel) {}
        hub.subscribe(id, to: ["g"])
        hub.publish([.messageCreated(Self.message(1))])
        hub.ready(id, event: .ready(.init(user: Self.user, groups: [.init(id: "g", lastSeq: 0)])))
        hub.publish([.messageCreated(Self.message(2)), .messageCreated(Self.message(3))])
        #expect(try Self.written(channel).isEmpty, "nothing is written before the event loop runs the drain")
        channel.embeddedEventLoop.run()
        let events = try Self.written(channel)
        guard events.count == 4, case .ready = events[0] else {
            Issue.record("expected ready and three messages, got \(events)")
            return
        }
        let seqs = events.dropFirst().compactMap { event -> Int64? in if case .messageNew(let message) = event { message.seq } else { nil } }
        #expect(seqs == [1, 2, 3], "held until ready, then in order")
        hub.close(id, code: 1001, reason: "bye")
        channel.embeddedEventLoop.run()
        var items = stream.makeAsyncIterator()
        guard case .close(1001, "bye") = await items.next() else {
            Issue.record("the close goes to the session's writer")
            return
        }
        hub.unregister(id)
        _ = try channel.finish()
    }

    @Test("a channel that does not take its frames is cut off past the queue limit")
    func overflow() async throws {
        let hub = RealtimeHub(queueLimit: 8, logger: Logger(label: "test"))
        let channel = EmbeddedChannel()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        let cutOff = CallbackFlag()
        let (id, _) = hub.register(userID: Self.user.id, channel: channel) { cutOff.set() }
        hub.subscribe(id, to: ["g"])
        hub.ready(id, event: .ready(.init(user: Self.user, groups: [.init(id: "g", lastSeq: 0)])))
        // The event loop never runs: nothing leaves the queue.
        for seq in Int64(1)...7 { hub.publish([.messageCreated(Self.message(seq))]) }
        #expect(!cutOff.isSet, "ready and 7 messages: at the limit")
        hub.publish([.messageCreated(Self.message(8))])
        #expect(cutOff.isSet)
        #expect(hub.connectionCount == 0)
        _ = try? channel.finish()
    }
}

/// A flag set from a callback.
final class CallbackFlag: Sendable {
    private let value = Mutex(false)
    func set() { self.value.withLock { $0 = true } }
    var isSet: Bool { self.value.withLock { $0 } }
}
