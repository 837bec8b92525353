import Foundation

/// The client's sync logic as a pure state machine: ``handle(_:)`` takes an event, updates ``state`` and
/// returns the actions to carry out. It does no I/O and reads no clock, so every case is testable.
///
/// It guarantees that each group's `messages` are contiguous by `seq` with no duplicates: a message beyond a
/// gap waits in `ahead` while a catch-up fetches what is missing. Sends are optimistic: a message stays in the
/// outbox, shown as pending, until the server acknowledges it; retries reuse its `clientId`, so the server
/// stores it exactly once.
public struct SyncMachine: Sendable {
    public private(set) var state: SyncState
    /// How long a typing indicator lasts without a new `typing` event.
    public static let typingLifetime: TimeInterval = 5
    /// The least time between two of the user's own typing notices in one group.
    public static let typingInterval: TimeInterval = 3
    /// How retries of a failed delivery space out.
    public static let retryBackoff = Backoff(base: .seconds(1), cap: .seconds(30))

    private var lastTypingSent: [String: Date] = [:]
    private var retryAt: Date?

    public init(me: User) {
        self.state = SyncState(me: me)
    }

    private var myID: String? { self.state.me?.id }
    private var isConnected: Bool { self.state.connection == .connected }

    public mutating func handle(_ event: SyncEvent) -> [SyncAction] {
        switch event {
        case .groupsLoaded(let groups):
            return self.groupsLoaded(groups)
        case .connection(let connection):
            self.state.connection = connection
            return []
        case .ready(let ready):
            return self.ready(ready)
        case .server(let event, let at):
            return self.server(event, at: at)
        case .caughtUp(let groupID, let messages):
            return self.updating(groupID, bumps: true) { timeline, actions in
                timeline.catchingUp = false
                Self.integrate(messages, into: &timeline, actions: &actions)
            }
        case .catchUpFailed(let groupID, let reason):
            self.state.notice = "Could not catch up: \(reason)"
            return self.updating(groupID) { timeline, _ in timeline.catchingUp = false }
        case .newestLoaded(let groupID, let page):
            return self.updating(groupID) { timeline, actions in
                timeline.loadingNewest = false
                if !timeline.loaded {
                    timeline.loaded = true
                    timeline.messages = page.messages
                    timeline.olderCursor = page.nextCursor
                    let waiting = timeline.ahead
                    timeline.ahead = []
                    Self.integrate(waiting, into: &timeline, actions: &actions)
                } else {
                    Self.integrate(page.messages, into: &timeline, actions: &actions)
                }
            }
        case .olderLoaded(let groupID, let page):
            return self.updating(groupID) { timeline, _ in
                timeline.loadingOlder = false
                let oldest = timeline.messages.first?.seq ?? Int64.max
                timeline.messages.insert(contentsOf: page.messages.filter { $0.seq < oldest }, at: 0)
                timeline.olderCursor = page.nextCursor
            }
        case .loadFailed(let groupID, let reason):
            self.state.notice = "Could not load messages: \(reason)"
            return self.updating(groupID) { timeline, _ in
                timeline.loadingNewest = false
                timeline.loadingOlder = false
            }
        case .send(let groupID, let text, let clientID, let at):
            var message = OutgoingMessage(clientId: clientID, groupId: groupID, text: text, createdAt: at)
            guard self.isConnected else {
                self.state.outbox.append(message)
                return []
            }
            message.status = .sending
            message.attempts = 1
            self.state.outbox.append(message)
            return [.deliver(message)]
        case .delivered(let clientID, let message):
            return self.delivered(clientID: clientID, message: message)
        case .deliveryFailed(let clientID, let reason, let retryable):
            return self.deliveryFailed(clientID: clientID, reason: reason, retryable: retryable)
        case .discard(let clientID):
            self.state.outbox.removeAll { $0.clientId == clientID }
            return []
        case .focus(let groupID):
            self.state.focused = groupID
            guard let groupID else { return [] }
            return self.updating(groupID) { timeline, actions in
                Self.markSeen(&timeline)
                if !timeline.loaded, !timeline.loadingNewest {
                    timeline.loadingNewest = true
                    actions.append(.loadNewest(groupId: groupID))
                }
            }
        case .loadOlder(let groupID):
            return self.updating(groupID) { timeline, actions in
                guard timeline.loaded, !timeline.loadingOlder, let cursor = timeline.olderCursor else { return }
                timeline.loadingOlder = true
                actions.append(.loadOlder(groupId: groupID, cursor: cursor))
            }
        case .joined(let group):
            self.upsert(group)
            self.moveToFront(group.id)
            return []
        case .membersLoaded(let groupID, let members):
            return self.updating(groupID) { timeline, _ in timeline.members = members }
        case .userTyped(let groupID, let at):
            guard self.isConnected, self.state.groups[groupID] != nil else { return [] }
            if let last = self.lastTypingSent[groupID], at.timeIntervalSince(last) < Self.typingInterval { return [] }
            self.lastTypingSent[groupID] = at
            return [.sendTyping(groupId: groupID)]
        case .tick(let now):
            return self.tick(now)
        case .signedOut:
            self.state.connection = .signedOut
            return []
        }
    }

    // MARK: Groups and connection

    private mutating func groupsLoaded(_ groups: [Group]) -> [SyncAction] {
        let ids = Set(groups.map(\.id))
        for id in self.state.groups.keys where !ids.contains(id) {
            self.state.groups[id] = nil
        }
        for group in groups { self.upsert(group) }
        self.state.groupOrder = groups.map(\.id)
        if let focused = self.state.focused, !ids.contains(focused) { self.state.focused = nil }
        return []
    }

    private mutating func upsert(_ group: Group) {
        if var timeline = self.state.groups[group.id] {
            timeline.group = group
            self.state.groups[group.id] = timeline
        } else {
            self.state.groups[group.id] = GroupTimeline(group: group)
        }
        if !self.state.groupOrder.contains(group.id) { self.state.groupOrder.append(group.id) }
    }

    private mutating func moveToFront(_ groupID: String) {
        guard self.state.groupOrder.first != groupID else { return }
        self.state.groupOrder.removeAll { $0 == groupID }
        self.state.groupOrder.insert(groupID, at: 0)
    }

    private mutating func ready(_ ready: ServerEvent.Ready) -> [SyncAction] {
        self.state.connection = .connected
        self.state.me = ready.user
        var actions: [SyncAction] = []
        var unknown = false
        for cursor in ready.groups {
            guard var timeline = self.state.groups[cursor.id] else {
                unknown = true
                continue
            }
            timeline.group.lastSeq = max(timeline.group.lastSeq, cursor.lastSeq)
            // The real-time client catches up the groups we hold; remember that it is doing so.
            if let newest = timeline.newestSeq, newest < cursor.lastSeq { timeline.catchingUp = true }
            self.state.groups[cursor.id] = timeline
        }
        if unknown || ready.groups.count != self.state.groups.count { actions.append(.loadGroups) }
        if let focused = self.state.focused, var timeline = self.state.groups[focused], !timeline.loaded, !timeline.loadingNewest {
            timeline.loadingNewest = true
            self.state.groups[focused] = timeline
            actions.append(.loadNewest(groupId: focused))
        }
        actions += self.deliverQueued()
        return actions
    }

    // MARK: Live events

    private mutating func server(_ event: ServerEvent, at: Date) -> [SyncAction] {
        switch event {
        case .messageNew(let message):
            guard self.state.groups[message.groupId] != nil else { return [.loadGroups] }
            if message.sender.id == self.myID, let clientID = message.clientId {
                self.state.outbox.removeAll { $0.clientId == clientID }
            }
            return self.updating(message.groupId, bumps: true) { timeline, actions in
                Self.integrate([message], into: &timeline, actions: &actions)
            }
        case .messageAck(let ack):
            return self.delivered(clientID: ack.clientId, message: ack.message)
        case .memberJoined(let joined):
            guard self.state.groups[joined.groupId] != nil else { return [.loadGroups] }
            let me = self.myID
            return self.updating(joined.groupId) { timeline, _ in
                if timeline.members?.contains(where: { $0.user.id == joined.user.id }) == false {
                    timeline.members?.append(Member(user: joined.user, role: joined.role, joinedAt: at))
                    timeline.group.memberCount += 1
                } else if timeline.members == nil, joined.user.id != me {
                    timeline.group.memberCount += 1
                }
            }
        case .typing(let typing):
            guard typing.user.id != self.myID, self.state.groups[typing.groupId] != nil else { return [] }
            let until = at.addingTimeInterval(Self.typingLifetime)
            var actions = self.updating(typing.groupId) { timeline, _ in
                timeline.typing.removeAll { $0.user.id == typing.user.id }
                timeline.typing.append(TypingUser(user: typing.user, until: until))
            }
            actions.append(.wakeUp(at: until))
            return actions
        case .error(let error):
            if let clientID = error.clientId, self.state.outbox.contains(where: { $0.clientId == clientID }) {
                let retryable = ["rate_limited", "internal_error"].contains(error.code)
                return self.deliveryFailed(clientID: clientID, reason: error.message, retryable: retryable)
            }
            self.state.notice = error.message
            return []
        case .ready(let ready):
            return self.ready(ready)
        case .roomJoined, .unknown:
            return []
        }
    }

    // MARK: Outbox

    private mutating func delivered(clientID: String, message: Message) -> [SyncAction] {
        self.state.outbox.removeAll { $0.clientId == clientID }
        guard self.state.groups[message.groupId] != nil else { return [] }
        return self.updating(message.groupId, bumps: true) { timeline, actions in
            Self.integrate([message], into: &timeline, actions: &actions)
        }
    }

    private mutating func deliveryFailed(clientID: String, reason: String, retryable: Bool) -> [SyncAction] {
        guard let index = self.state.outbox.firstIndex(where: { $0.clientId == clientID }) else { return [] }
        guard retryable else {
            self.state.outbox[index].status = .failed(reason)
            return []
        }
        self.state.outbox[index].status = .queued
        // Retried on the next connection, or after a backoff while connected (see `tick`).
        self.retryAt = nil
        return [.wakeUp(at: .distantPast)]
    }

    /// Hands every queued message to the transport, oldest first, when connected.
    private mutating func deliverQueued() -> [SyncAction] {
        guard self.isConnected else { return [] }
        var actions: [SyncAction] = []
        for index in self.state.outbox.indices where self.state.outbox[index].status == .queued {
            self.state.outbox[index].status = .sending
            self.state.outbox[index].attempts += 1
            actions.append(.deliver(self.state.outbox[index]))
        }
        return actions
    }

    private mutating func tick(_ now: Date) -> [SyncAction] {
        var actions: [SyncAction] = []
        var nextWake: Date?
        for id in self.state.groups.keys {
            guard var timeline = self.state.groups[id], !timeline.typing.isEmpty else { continue }
            timeline.typing.removeAll { $0.until <= now }
            if let soonest = timeline.typing.map(\.until).min() { nextWake = min(nextWake ?? soonest, soonest) }
            self.state.groups[id] = timeline
        }
        let queued = self.state.outbox.filter { $0.status == .queued }
        if !queued.isEmpty, self.isConnected {
            let attempts = queued.map(\.attempts).max() ?? 0
            if let retryAt = self.retryAt, retryAt <= now {
                self.retryAt = nil
                actions += self.deliverQueued()
            } else if self.retryAt == nil {
                let delay = Self.retryBackoff.ceiling(attempt: max(0, attempts - 1))
                let at = now.addingTimeInterval(Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
                self.retryAt = at
                nextWake = min(nextWake ?? at, at)
            } else if let retryAt = self.retryAt {
                nextWake = min(nextWake ?? retryAt, retryAt)
            }
        }
        if let nextWake { actions.append(.wakeUp(at: nextWake)) }
        return actions
    }

    // MARK: Timelines

    /// Runs `change` on a group's timeline, then keeps the derived state (unread, order) in step.
    /// `bumps`: new activity, which moves the group to the top of the list.
    private mutating func updating(
        _ groupID: String,
        bumps: Bool = false,
        _ change: (inout GroupTimeline, inout [SyncAction]) -> Void
    ) -> [SyncAction] {
        guard var timeline = self.state.groups[groupID] else { return [] }
        let newestBefore = max(timeline.messages.last?.seq ?? 0, timeline.ahead.last?.seq ?? 0)
        var actions: [SyncAction] = []
        change(&timeline, &actions)
        let newestAfter = max(timeline.messages.last?.seq ?? 0, timeline.ahead.last?.seq ?? 0)
        if self.state.focused == groupID { Self.markSeen(&timeline) }
        self.recountUnread(&timeline)
        self.state.groups[groupID] = timeline
        if bumps, newestAfter > newestBefore { self.moveToFront(groupID) }
        return actions
    }

    /// Adds messages to a timeline: duplicates are dropped, the next `seq` is appended, and anything beyond a
    /// gap waits in `ahead` while a catch-up fetches the gap.
    private static func integrate(_ incoming: [Message], into timeline: inout GroupTimeline, actions: inout [SyncAction]) {
        for message in incoming where message.groupId == timeline.id {
            timeline.group.lastSeq = max(timeline.group.lastSeq, message.seq)
            if let newest = timeline.newestSeq, message.seq <= newest { continue }
            if !timeline.ahead.contains(where: { $0.seq == message.seq }) {
                let index = timeline.ahead.firstIndex { $0.seq > message.seq } ?? timeline.ahead.endIndex
                timeline.ahead.insert(message, at: index)
            }
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
        if !timeline.ahead.isEmpty, !timeline.catchingUp {
            timeline.catchingUp = true
            actions.append(.catchUp(groupId: timeline.id, after: next - 1))
        }
    }

    private static func markSeen(_ timeline: inout GroupTimeline) {
        let newest = max(timeline.messages.last?.seq ?? 0, timeline.ahead.last?.seq ?? 0, timeline.group.lastSeq)
        timeline.seenSeq = max(timeline.seenSeq, newest)
    }

    private func recountUnread(_ timeline: inout GroupTimeline) {
        let seen = timeline.seenSeq
        let me = self.myID
        var count = 0
        for message in timeline.messages.reversed() {
            guard message.seq > seen else { break }
            if message.sender.id != me { count += 1 }
        }
        count += timeline.ahead.filter { $0.seq > seen && $0.sender.id != me }.count
        timeline.unread = count
    }
}
