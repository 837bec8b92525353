import Foundation

/// The client's sync logic as a pure state machine: ``handle(_:)`` takes an event, updates ``state`` and
/// returns the actions to carry out. It does no I/O and reads no clock, so every case is testable.
///
/// It guarantees that each group's `messages` are contiguous by `seq` with no duplicates: a message beyond a
/// gap waits in `ahead` while the gap is fetched. Each message is kept as of its latest change: every change
/// of a group carries the group's next `rev`, so a jump in `rev` (live, or announced by `ready` after a
/// reconnect) means changes were missed, and the machine asks for the change feed from the last `rev` it is
/// complete to, page after page, which leaves it exactly up to date. Sends are optimistic: a message stays in
/// the outbox, shown as pending, until the server acknowledges it; retries reuse its `clientId`, so the server
/// stores it exactly once.
public struct SyncMachine: Sendable {
    public internal(set) var state: SyncState
    /// How long a typing indicator lasts without a new `typing` event.
    public static let typingLifetime: TimeInterval = 5
    /// The least time between two of the user's own typing notices in one group.
    public static let typingInterval: TimeInterval = 3
    /// How retries of a failed delivery space out.
    public static let retryBackoff = Backoff(base: .seconds(1), cap: .seconds(30))

    private var lastTypingSent: [String: Date] = [:]
    var retry = RetryState.none

    public init(me: User) {
        self.state = SyncState(me: me)
    }

    /// Starts from what a client kept (see ``SyncSnapshot``): its groups and messages show at once, messages
    /// caught in flight are queued again (their `clientId` makes a second send harmless), and the first
    /// connection's `ready` brings each group up to date through its change feed.
    public init(me: User, restoring snapshot: SyncSnapshot) {
        self.state = SyncState(me: me)
        for cached in snapshot.groups where self.state.groups[cached.group.id] == nil {
            var timeline = GroupTimeline(restoring: cached)
            self.recountUnread(&timeline)
            self.state.groups[cached.group.id] = timeline
            self.state.groupOrder.append(cached.group.id)
        }
        self.state.outbox = snapshot.outbox.map { message in
            var message = message
            if message.status == .sending { message.status = .queued }
            return message
        }
    }

    var myID: String? { self.state.me?.id }
    var isConnected: Bool { self.state.connection == .connected }

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
        case .changesLoaded(let groupID, let page):
            let actions = self.updating(groupID, bumps: true) { timeline, actions in Self.apply(page, to: &timeline, actions: &actions) }
            return actions + self.applyMemberships(of: page, in: groupID)
        case .changesFailed(let groupID, let reason):
            self.state.notice = "Could not catch up: \(reason)"
            return self.updating(groupID) { timeline, _ in
                timeline.catchingUp = false
                timeline.fetchingSince = nil
            }
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
                Self.pageArrived(&timeline, actions: &actions)
            }
        case .olderLoaded(let groupID, let page):
            return self.updating(groupID) { timeline, actions in
                timeline.loadingOlder = false
                let oldest = timeline.messages.first?.seq ?? Int64.max
                timeline.messages.insert(contentsOf: page.messages.filter { $0.seq < oldest }, at: 0)
                timeline.olderCursor = page.nextCursor
                timeline.olderBefore = nil
                Self.pageArrived(&timeline, actions: &actions)
            }
        case .olderLoadedBefore(let groupID, let seq, let messages):
            return self.updating(groupID) { timeline, actions in
                timeline.loadingOlder = false
                guard timeline.olderBefore == seq, timeline.messages.first?.seq == seq else { return }
                // Only a run that ends right before the oldest held keeps the timeline contiguous.
                var run: [Message] = []
                for message in messages.sorted(by: { $0.seq > $1.seq }) where message.seq < seq {
                    guard message.seq == (run.last?.seq ?? seq) - 1 else { break }
                    run.append(message)
                }
                timeline.messages.insert(contentsOf: run.reversed(), at: 0)
                let oldest = timeline.messages.first?.seq ?? 1
                timeline.olderBefore = oldest > 1 && !run.isEmpty ? oldest : nil
                Self.pageArrived(&timeline, actions: &actions)
            }
        case .loadFailed(let groupID, let reason):
            self.state.notice = "Could not load messages: \(reason)"
            return self.updating(groupID) { timeline, _ in
                timeline.loadingNewest = false
                timeline.loadingOlder = false
                timeline.pageRequestedAt = nil
            }
        case .send(let groupID, let text, let clientID, let at, let replyTo):
            return self.send(groupID: groupID, text: text, clientID: clientID, at: at, replyTo: replyTo)
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
                if !timeline.loaded, !timeline.loadingNewest {
                    timeline.loadingNewest = true
                    timeline.pageRequestedAt = timeline.rev
                    actions.append(.loadNewest(groupId: groupID))
                }
            }
        case .loadOlder(let groupID):
            return self.updating(groupID) { timeline, actions in
                guard timeline.loaded, !timeline.loadingOlder else { return }
                if let cursor = timeline.olderCursor {
                    actions.append(.loadOlder(groupId: groupID, cursor: cursor))
                } else if let seq = timeline.olderBefore {
                    actions.append(.loadBefore(groupId: groupID, seq: seq))
                } else {
                    return
                }
                timeline.loadingOlder = true
                timeline.pageRequestedAt = timeline.rev
            }
        case .joined(let group):
            self.upsert(group)
            self.moveToFront(group.id)
            return []
        case .quoteLoaded(let message):
            self.state.groups[message.groupId]?.quoted[message.id] = message
            return []
        case .membersLoaded(let groupID, let members):
            return self.updating(groupID) { timeline, _ in timeline.members = members }
        case .presenceLoaded(let members):
            for member in members { self.state.presence[member.user.id] = member.presence }
            return []
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
        for (id, timeline) in self.state.groups where !ids.contains(id) {
            self.state.groups[id] = nil
            self.state.departures.append(Departure(group: timeline.group, reason: nil))
        }
        var actions: [SyncAction] = []
        for group in groups {
            self.upsert(group)
            actions += self.updating(group.id) { _, _ in }
        }
        self.state.groupOrder = groups.map(\.id)
        if let focused = self.state.focused, !ids.contains(focused) { self.state.focused = nil }
        return actions
    }

    /// Adds a group, or takes the server's view of one already held: its fields, and its unread count as of
    /// its read marker (the marker only ever moves forward).
    private mutating func upsert(_ group: Group) {
        guard var timeline = self.state.groups[group.id] else {
            self.state.groups[group.id] = GroupTimeline(group: group)
            if !self.state.groupOrder.contains(group.id) { self.state.groupOrder.append(group.id) }
            return
        }
        let held = timeline.group
        timeline.group = group
        timeline.group.lastSeq = max(group.lastSeq, held.lastSeq)
        timeline.group.rev = max(group.rev, held.rev)
        timeline.serverUnread = ServerUnread(count: group.unreadCount, lastSeq: group.lastSeq, readSeq: group.readSeq)
        timeline.readSeq = max(timeline.readSeq, group.readSeq)
        if !timeline.loaded { timeline.rev = max(timeline.rev, group.rev) }
        self.state.groups[group.id] = timeline
    }

    mutating func moveToFront(_ groupID: String) {
        guard self.state.groupOrder.first != groupID else { return }
        self.state.groupOrder.removeAll { $0 == groupID }
        self.state.groupOrder.insert(groupID, at: 0)
    }

    /// A (re)connection: each group held that changed meanwhile is caught up through its change feed, a read
    /// marker the server missed is sent again, and what waits in the outbox goes out.
    private mutating func ready(_ ready: ServerEvent.Ready) -> [SyncAction] {
        self.state.connection = .connected
        self.state.me = ready.user
        var actions: [SyncAction] = []
        var unknown = false
        for cursor in ready.groups {
            guard self.state.groups[cursor.id] != nil else {
                unknown = true
                continue
            }
            actions += self.updating(cursor.id) { timeline, actions in
                timeline.group.lastSeq = max(timeline.group.lastSeq, cursor.lastSeq)
                timeline.group.rev = max(timeline.group.rev, cursor.rev)
                timeline.serverUnread = ServerUnread(count: cursor.unreadCount, lastSeq: cursor.lastSeq, readSeq: cursor.readSeq)
                if timeline.readSeq > cursor.readSeq {
                    actions.append(.markRead(groupId: cursor.id, seq: timeline.readSeq))
                } else {
                    timeline.readSeq = cursor.readSeq
                }
                if !timeline.loaded {
                    timeline.rev = max(timeline.rev, cursor.rev)
                } else if cursor.rev > timeline.rev {
                    Self.requestChanges(&timeline, since: timeline.rev, actions: &actions)
                }
            }
        }
        if unknown || ready.groups.count != self.state.groups.count { actions.append(.loadGroups) }
        if let focused = self.state.focused, var timeline = self.state.groups[focused], !timeline.loaded, !timeline.loadingNewest {
            timeline.loadingNewest = true
            timeline.pageRequestedAt = timeline.rev
            self.state.groups[focused] = timeline
            actions.append(.loadNewest(groupId: focused))
        }
        actions += self.deliverAfterConnecting()
        return actions
    }

    // MARK: Live events

    private mutating func server(_ event: ServerEvent, at: Date) -> [SyncAction] {
        switch event {
        case .messageNew(let message):
            guard self.state.groups[message.groupId] != nil else { return [.loadGroups] }
            var stored = false
            if message.sender.id == self.myID, let clientID = message.clientId {
                stored = self.state.outbox.contains { $0.clientId == clientID }
                self.state.outbox.removeAll { $0.clientId == clientID }
            }
            let actions = self.updating(message.groupId, bumps: true) { timeline, actions in
                Self.integrate([message], into: &timeline, actions: &actions)
                Self.observe(message.rev, in: &timeline, actions: &actions)
            }
            // The echo of the message in flight can come before the answer to its request: the next may go.
            return stored ? actions + self.deliverNext() : actions
        case .messageUpdated(let message):
            guard self.state.groups[message.groupId] != nil else { return [.loadGroups] }
            return self.updating(message.groupId) { timeline, actions in
                Self.applyCurrent(message, to: &timeline, actions: &actions)
                Self.observe(message.rev, in: &timeline, actions: &actions)
            }
        case .messageAck(let ack):
            return self.delivered(clientID: ack.clientId, message: ack.message)
        case .read(let read):
            return self.updating(read.groupId) { timeline, _ in timeline.readSeq = max(timeline.readSeq, read.seq) }
        case .presence(let change):
            self.state.presence[change.userId] = change.presence
            return []
        case .memberJoined(let joined):
            guard self.state.groups[joined.groupId] != nil else { return [.loadGroups] }
            let member = Member(user: joined.user, role: joined.role, joinedAt: at)
            return self.applyMembership(of: joined.user.id, in: joined.groupId, member: member, removed: nil, rev: joined.rev)
        case .memberRemoved(let removed):
            guard self.state.groups[removed.groupId] != nil else { return [] }
            if removed.reason == .groupDeleted { return self.depart(removed.groupId, reason: .groupDeleted) }
            return self.applyMembership(of: removed.userId, in: removed.groupId, member: nil, removed: removed.reason, rev: removed.rev)
        case .memberUpdated(let updated):
            guard let timeline = self.state.groups[updated.groupId] else { return [.loadGroups] }
            let known = timeline.members?.first { $0.user.id == updated.userId }
            let member = Member(
                user: known?.user ?? UserSummary(id: updated.userId, displayName: ""),
                role: updated.role,
                joinedAt: known?.joinedAt ?? at
            )
            let me = self.myID
            return self.updating(updated.groupId) { timeline, actions in
                if let index = timeline.members?.firstIndex(where: { $0.user.id == updated.userId }) { timeline.members?[index] = member }
                if updated.userId == me { timeline.group.role = updated.role }
                timeline.membership[updated.userId] = MembershipMark(rev: updated.rev, present: true)
                Self.observe(updated.rev, in: &timeline, actions: &actions)
            }
        case .groupUpdated(let updated):
            guard self.state.groups[updated.group.id] != nil else { return [.loadGroups] }
            return self.applyGroupInfo(updated.group, rev: updated.rev)
        case .joinRequested(let requested):
            self.state.joinRequests[requested.groupId, default: []].removeAll { $0.id == requested.request.id }
            self.state.joinRequests[requested.groupId, default: []].append(requested.request)
            return []
        case .joinDenied:
            self.state.notice = "Your request to join was denied."
            return []
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
}
