import Foundation

/// How messages and changes join a group's timeline, and the state derived from it (rev, read marker, unread).
extension SyncMachine {
    /// Runs `change` on a group's timeline, then keeps the derived state in step: the read marker follows what
    /// the user sees in the focused group, the unread count is recounted, and `bumps` (new activity) moves the
    /// group to the top of the list.
    mutating func updating(
        _ groupID: String,
        bumps: Bool = false,
        _ change: (inout GroupTimeline, inout [SyncAction]) -> Void
    ) -> [SyncAction] {
        guard var timeline = self.state.groups[groupID] else { return [] }
        let newestBefore = max(timeline.messages.last?.seq ?? 0, timeline.ahead.last?.seq ?? 0)
        var actions: [SyncAction] = []
        change(&timeline, &actions)
        let newestAfter = max(timeline.messages.last?.seq ?? 0, timeline.ahead.last?.seq ?? 0)
        timeline.group.lastSeq = max(timeline.group.lastSeq, newestAfter)
        if self.state.focused == groupID, let newest = timeline.newestSeq, newest > timeline.readSeq {
            timeline.readSeq = newest
            actions.append(.markRead(groupId: groupID, seq: newest))
        }
        self.recountUnread(&timeline)
        self.state.groups[groupID] = timeline
        if bumps, newestAfter > newestBefore { self.moveToFront(groupID) }
        return actions
    }

    /// Adds new messages to a timeline by `seq`: the next `seq` is appended, anything beyond a gap waits in
    /// `ahead` while the change feed fills the gap, and a message held already is replaced only by a later
    /// version of itself (a higher `rev`).
    static func integrate(_ incoming: [Message], into timeline: inout GroupTimeline, actions: inout [SyncAction]) {
        for message in incoming where message.groupId == timeline.id {
            if Self.replace(message, in: &timeline) { continue }
            if let newest = timeline.newestSeq, message.seq <= newest { continue }
            let index = timeline.ahead.firstIndex { $0.seq > message.seq } ?? timeline.ahead.endIndex
            timeline.ahead.insert(message, at: index)
        }
        guard let newest = timeline.newestSeq else { return }
        var next = newest + 1
        while let first = timeline.ahead.first, first.seq <= next {
            timeline.ahead.removeFirst()
            if first.seq == next {
                timeline.messages.append(first)
                next += 1
            }
        }
        if !timeline.ahead.isEmpty { Self.requestChanges(&timeline, since: timeline.rev, actions: &actions) }
    }

    /// A message as it now is (from `message:updated` or the change feed): it replaces the copy held, or joins
    /// the timeline when it is newer than anything held. A change to a message older than what is loaded is
    /// dropped: that page is read afresh when the user scrolls to it.
    static func applyCurrent(_ message: Message, to timeline: inout GroupTimeline, actions: inout [SyncAction]) {
        guard message.groupId == timeline.id, !Self.replace(message, in: &timeline) else { return }
        let newest = timeline.newestSeq ?? timeline.group.lastSeq
        if message.seq > newest { Self.integrate([message], into: &timeline, actions: &actions) }
    }

    /// Replaces the held copy of `message` if this one is later. Returns whether a copy is held.
    private static func replace(_ message: Message, in timeline: inout GroupTimeline) -> Bool {
        if let first = timeline.messages.first?.seq, message.seq >= first, message.seq <= timeline.messages[timeline.messages.count - 1].seq {
            let index = Int(message.seq - first)
            if timeline.messages[index].rev < message.rev { timeline.messages[index] = message }
            return true
        }
        if let index = timeline.ahead.firstIndex(where: { $0.seq == message.seq }) {
            if timeline.ahead[index].rev < message.rev { timeline.ahead[index] = message }
            return true
        }
        return false
    }

    /// Notes that the group's change `rev` has been applied. The next one moves `rev` on; a later one means
    /// that changes were missed, which the change feed fills.
    static func observe(_ rev: Int64, in timeline: inout GroupTimeline, actions: inout [SyncAction]) {
        guard timeline.loaded else {
            // The first page, read after this, shows the change.
            timeline.rev = max(timeline.rev, rev)
            return
        }
        guard rev > timeline.rev else { return }
        if rev == timeline.rev + 1 {
            timeline.rev = rev
            Self.absorbRevsAhead(&timeline)
        } else {
            timeline.revsAhead.insert(rev)
            Self.requestChanges(&timeline, since: timeline.rev, actions: &actions)
        }
        timeline.group.rev = max(timeline.group.rev, rev)
    }

    /// Asks for the change feed after `since`, unless a fetch in flight already covers it.
    static func requestChanges(_ timeline: inout GroupTimeline, since: Int64, actions: inout [SyncAction]) {
        guard timeline.loaded else { return }
        if timeline.catchingUp {
            if let fetching = timeline.fetchingSince, since < fetching { timeline.refetchSince = min(timeline.refetchSince ?? since, since) }
            return
        }
        let since = min(since, timeline.refetchSince ?? since)
        timeline.refetchSince = nil
        timeline.catchingUp = true
        timeline.fetchingSince = since
        actions.append(.fetchChanges(groupId: timeline.id, since: since))
    }

    /// A page of the change feed: each message as it now is; then the next page, or, after the last, another
    /// fetch if a gap remains (changes seen live beyond what the page covered, or a fetch asked for meanwhile).
    static func apply(_ page: ChangePage, to timeline: inout GroupTimeline, actions: inout [SyncAction]) {
        for message in page.messages { Self.applyCurrent(message, to: &timeline, actions: &actions) }
        timeline.rev = max(timeline.rev, page.rev)
        timeline.group.rev = max(timeline.group.rev, page.rev)
        Self.absorbRevsAhead(&timeline)
        if page.hasMore {
            timeline.fetchingSince = page.rev
            actions.append(.fetchChanges(groupId: timeline.id, since: page.rev))
            return
        }
        timeline.catchingUp = false
        timeline.fetchingSince = nil
        if let again = timeline.refetchSince {
            Self.requestChanges(&timeline, since: again, actions: &actions)
        } else if !timeline.revsAhead.isEmpty || !timeline.ahead.isEmpty {
            Self.requestChanges(&timeline, since: timeline.rev, actions: &actions)
        }
    }

    /// A page of messages arrived: changes seen while it was on its way may be missing from it, so they are
    /// fetched again.
    static func pageArrived(_ timeline: inout GroupTimeline, actions: inout [SyncAction]) {
        guard let requestedAt = timeline.pageRequestedAt else { return }
        timeline.pageRequestedAt = nil
        if timeline.rev > requestedAt { Self.requestChanges(&timeline, since: requestedAt, actions: &actions) }
    }

    private static func absorbRevsAhead(_ timeline: inout GroupTimeline) {
        timeline.revsAhead = timeline.revsAhead.filter { $0 > timeline.rev }
        while timeline.revsAhead.remove(timeline.rev + 1) != nil { timeline.rev += 1 }
    }

    /// Messages from others after the read marker, not deleted: counted from the messages held when they reach
    /// back to the marker, else from the server's count at its `lastSeq` plus what is held beyond it.
    func recountUnread(_ timeline: inout GroupTimeline) {
        let me = self.myID
        /// Messages held after `seq`: the timeline from its end (it is ascending), and what waits beyond a gap.
        func held(after seq: Int64) -> Int {
            var count = 0
            for message in timeline.messages.reversed() {
                guard message.seq > seq else { break }
                if message.sender.id != me, !message.deleted { count += 1 }
            }
            return count + timeline.ahead.filter { $0.seq > seq && $0.sender.id != me && !$0.deleted }.count
        }
        let server = timeline.serverUnread
        let heldFromMarker = timeline.loaded && (timeline.messages.first?.seq ?? 1) <= timeline.readSeq + 1
        if timeline.readSeq >= server.lastSeq || heldFromMarker {
            timeline.unread = held(after: timeline.readSeq)
        } else {
            timeline.unread = server.count + held(after: server.lastSeq)
        }
    }
}
