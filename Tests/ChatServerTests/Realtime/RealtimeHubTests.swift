import ChatCore
import Foundation
import Logging
import Testing

@testable import ChatServer

@Suite("RealtimeHub memory")
struct RealtimeHubTests {
    private static func message(in groupID: String, seq: Int64) -> Message {
        Message(
            id: "m-\(groupID)-\(seq)",
            groupId: groupID,
            seq: seq,
            rev: seq,
            sender: UserSummary(id: "u-sender", displayName: "Sender"),
            text: "hello",
            createdAt: Date(timeIntervalSince1970: 1_795_000_000),
            clientId: nil
        )
    }

    @Test("20,000 groups with one message each leave no delivery state behind once their sockets close")
    func stateDroppedWithLastSubscriber() async {
        let hub = RealtimeHub(logger: Logger(label: "test"))
        let user = User(id: "u-reader", displayName: "Reader", email: nil, isGuest: true, createdAt: Date())
        var connections: [(RealtimeHub.ConnectionID, AsyncStream<RealtimeHub.Outgoing>)] = []
        for index in 0..<20_000 {
            let groupID = "g\(index)"
            let (id, stream) = hub.register(userID: user.id) {}
            hub.subscribe(id, to: [groupID])
            hub.ready(id, event: .ready(.init(user: user, groups: [.init(id: groupID, lastSeq: 0)])))
            connections.append((id, stream))
            // Long synchronous work would hold one of the few cooperative threads that the other tests share.
            if index % 1_000 == 0 { await Task.yield() }
        }
        hub.publish((0..<20_000).map { .messageCreated(Self.message(in: "g\($0)", seq: 1)) })
        #expect(hub.trackedGroupCount == 20_000)
        for (id, _) in connections { hub.unregister(id) }
        #expect(hub.trackedGroupCount == 0)
        #expect(hub.connectionCount == 0)
    }

    @Test("messages of groups nobody follows leave nothing; a later subscriber still gets each change once")
    func unfollowedGroupsLeaveNothing() async {
        let hub = RealtimeHub(logger: Logger(label: "test"))
        hub.publish((0..<1_000).map { .messageCreated(Self.message(in: "quiet\($0)", seq: 1)) })
        #expect(hub.trackedGroupCount == 0)

        let user = User(id: "u-reader", displayName: "Reader", email: nil, isGuest: true, createdAt: Date())
        let (id, stream) = hub.register(userID: user.id) {}
        hub.subscribe(id, to: ["busy"])
        hub.ready(id, event: .ready(.init(user: user, groups: [.init(id: "busy", lastSeq: 0)])))
        let message = Self.message(in: "busy", seq: 1)
        #expect(hub.deliver([.messageCreated(message)]) == 1)
        #expect(hub.deliver([.messageCreated(message)]) == 0, "a change that arrives twice goes out once")
        // Another user's socket leaving does not drop the group that this one still follows.
        let (other, _) = hub.register(userID: "u-other") {}
        hub.subscribe(other, to: ["busy"])
        hub.unregister(other)
        #expect(hub.deliver([.messageCreated(message)]) == 0)
        #expect(hub.trackedGroupCount == 1)
        hub.unregister(id)
        #expect(hub.trackedGroupCount == 0)
        var frames = 0
        for await _ in stream { frames += 1 }
        #expect(frames == 2, "ready and the message, once")
    }
}
