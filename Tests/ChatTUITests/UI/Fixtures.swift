import ChatCore
import Foundation

@testable import ChatTUI

/// Shared inputs for the UI tests, with times shown in UTC.
enum UIFixture {
    static let utc: Void = {
        setenv("TZ", "UTC", 1)
        tzset()
    }()

    static let t0 = Date(timeIntervalSince1970: 1_795_692_116)  // 2026-11-26 11:21:56 UTC
    static let me = User(id: "me", displayName: "Ann", email: nil, isGuest: true, createdAt: t0)
    static let bob = UserSummary(id: "bob", displayName: "Bob")

    static func group(_ id: String, name: String, members: Int = 2, lastSeq: Int64 = 0) -> Group {
        Group(id: id, name: name, createdAt: t0, role: .owner, memberCount: members, lastSeq: lastSeq)
    }

    static func message(_ seq: Int64, _ text: String, from sender: UserSummary = bob, in group: String = "g") -> Message {
        Message(
            id: "\(group)-\(seq)",
            groupId: group,
            seq: seq,
            sender: sender,
            text: text,
            createdAt: t0.addingTimeInterval(Double(seq * 60)),
            clientId: nil
        )
    }

    /// A chat model with two groups; "g" is selected and holds `messages`.
    static func model(width: Int = 80, height: Int = 20, messages: [Message] = [], hasOlder: Bool = false) -> AppModel {
        _ = utc
        var model = AppModel(screen: .chat, server: "http://chat.local:4000", me: me, width: width, height: height)
        var state = SyncState(me: me)
        var timeline = GroupTimeline(group: group("g", name: "Book club", lastSeq: messages.last?.seq ?? 0))
        timeline.loaded = true
        timeline.messages = messages
        timeline.olderCursor = hasOlder ? "cursor" : nil
        state.groups = ["g": timeline, "h": GroupTimeline(group: group("h", name: "Friends 友達"))]
        state.groupOrder = ["g", "h"]
        state.connection = .connected
        state.focused = "g"
        model.sync = state
        model.selected = "g"
        model.numbers = GroupNumbers(order: ["g", "h"])
        model.mentionChecked = ["g": messages.last?.seq ?? 0, "h": 0]
        model.groupInViewSent = "g"
        return model
    }
}
