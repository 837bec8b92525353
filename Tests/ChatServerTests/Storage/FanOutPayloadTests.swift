import ChatCore
import Foundation
import Testing

@testable import ChatServer

@Suite("PostgreSQL notification payloads")
struct FanOutPayloadTests {
    static let message = Message(
        id: UUIDv7.make(),
        groupId: UUIDv7.make(),
        seq: 41,
        rev: 97,
        sender: UserSummary(id: UUIDv7.make(), displayName: String(repeating: "N", count: 64)),
        text: String(repeating: "secret ", count: 500),
        createdAt: Date(),
        clientId: nil
    )

    @Test("every event survives the round trip without its text, and stays far below the 8,000-byte limit")
    func roundTrip() throws {
        let user = UserSummary(id: UUIDv7.make(), displayName: String(repeating: "N", count: 64))
        let manyGroups = (0..<FanOutPayload.maxGroups).map { _ in UUIDv7.make() }
        let events: [ChatEvent] = [
            .messageCreated(Self.message), .messageUpdated(Self.message),
            .memberJoined(groupID: Self.message.groupId, user: user, role: .admin, rev: 3),
            .typing(groupID: Self.message.groupId, user: user), .read(userID: user.id, groupID: Self.message.groupId, seq: 41),
            .presence(PresenceUpdate(userID: user.id, status: .offline, lastSeenAt: Timestamp.truncated(Date()), groupIDs: manyGroups)),
        ]
        for event in events {
            let json = FanOutPayload(event, instance: "abcdef123456").json
            #expect(json.utf8.count < 4000, "\(json.utf8.count) bytes")
            #expect(!json.contains("secret"))
            let decoded = try #require(FanOutPayload.decode(json))
            #expect(decoded.group == event.groupID)
        }
        let updated = try #require(FanOutPayload.decode(FanOutPayload(.messageUpdated(Self.message), instance: "i").json))
        #expect((updated.kind, updated.seq, updated.rev) == ("u", 41, 97))
        let presence = try #require(FanOutPayload.decode(FanOutPayload(events[5], instance: "i").json))
        #expect(presence.kind == "p" && presence.status == "offline" && presence.groups == manyGroups)
    }

    @Test("a presence change of a user in many groups leaves the groups out: receivers read them")
    func manyGroups() throws {
        let groups = (0...FanOutPayload.maxGroups).map { _ in UUIDv7.make() }
        let update = PresenceUpdate(userID: "u", status: .online, lastSeenAt: nil, groupIDs: groups)
        let payload = try #require(FanOutPayload.decode(FanOutPayload(.presence(update), instance: "i").json))
        #expect(payload.groups == nil)
        #expect(payload.user == "u" && payload.lastSeen == nil)
    }
}
