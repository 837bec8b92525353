import ChatCore
import Foundation
import Logging
import NIOCore
import Synchronization
import Testing

@testable import ChatServer

/// Counts how often it encodes, to check that each transport encodes an event once, whatever the recipients.
private enum CountingEncoding: EventEncoding {
    static let count = Mutex(0)

    static func encode(_ event: ServerEvent) -> ByteBuffer {
        Self.count.withLock { $0 += 1 }
        return WebSocketEncoding.encode(event)
    }
}

@Suite("Events encoded once per transport")
struct OutgoingEventTests {
    @Test("one published event reaches 50 connections as one shared value, encoded once per transport")
    func encodedOncePerTransport() async throws {
        let hub = RealtimeHub(logger: Logger(label: "test"))
        let user = User(id: "u-reader", displayName: "Reader", email: nil, isGuest: true, createdAt: Date())
        var streams: [AsyncStream<RealtimeHub.Outgoing>] = []
        for _ in 0..<50 {
            let (id, stream) = hub.register(userID: user.id) {}
            hub.subscribe(id, to: ["g"])
            hub.ready(id, event: .ready(.init(user: user, groups: [.init(id: "g", lastSeq: 0)])))
            streams.append(stream)
        }
        let message = Message(
            id: "m1",
            groupId: "g",
            seq: 1,
            rev: 1,
            sender: UserSummary(id: "u-sender", displayName: "Sender"),
            text: "hello",
            createdAt: Date(timeIntervalSince1970: 1_795_000_000),
            clientId: nil
        )
        hub.publish([.messageCreated(message)])
        var events: [OutgoingEvent] = []
        for stream in streams {
            var iterator = stream.makeAsyncIterator()
            _ = await iterator.next()  // ready
            guard case .event(let event) = await iterator.next() else {
                Issue.record("expected the message event")
                return
            }
            events.append(event)
        }
        #expect(Set(events.map { ObjectIdentifier($0) }).count == 1, "every connection shares one value")
        let before = CountingEncoding.count.withLock { $0 }
        let webSocket = events.map { $0.encoded(as: CountingEncoding.self) }
        let socketIO = events.map { $0.encoded(as: SocketIOEncoding.self) }
        #expect(CountingEncoding.count.withLock { $0 } - before == 1)
        #expect(Set(webSocket).count == 1 && Set(socketIO).count == 1)
        #expect(String(buffer: socketIO[0]).hasPrefix("42[\"message:new\",{"))
        #expect(try ChatJSON.decoder.decode(ServerEvent.self, from: Data(String(buffer: webSocket[0]).utf8)) == .messageNew(message))
    }
}
