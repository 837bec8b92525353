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

    @Test("a connection is asked to close with 4001 once its token has expired, once, after what it already had queued")
    func expiredTokensClose() async {
        let hub = RealtimeHub(logger: Logger(label: "test"))
        let t0 = Date(timeIntervalSince1970: 1_795_000_000)
        let user = User(id: "u-ann", displayName: "Ann", email: nil, isGuest: true, createdAt: t0)
        let (early, earlyStream) = hub.register(userID: user.id, expiresAt: t0.addingTimeInterval(60)) {}
        let (late, lateStream) = hub.register(userID: user.id, expiresAt: t0.addingTimeInterval(3600)) {}
        for id in [early, late] { hub.ready(id, event: .ready(.init(user: user, groups: []))) }
        #expect(hub.closeExpired(at: t0.addingTimeInterval(59)) == 0)
        #expect(hub.closeExpired(at: t0.addingTimeInterval(60)) == 1)
        #expect(hub.closeExpired(at: t0.addingTimeInterval(61)) == 0, "asked once")
        hub.unregister(early)
        hub.unregister(late)
        var earlyItems = earlyStream.makeAsyncIterator()
        var lateItems = lateStream.makeAsyncIterator()
        guard case .event = await earlyItems.next(), case .close(4001, "token expired") = await earlyItems.next() else {
            Issue.record("the expired connection gets ready, then a 4001 close")
            return
        }
        guard case .event = await lateItems.next(), await lateItems.next() == nil else {
            Issue.record("the other connection gets ready and nothing else")
            return
        }
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
