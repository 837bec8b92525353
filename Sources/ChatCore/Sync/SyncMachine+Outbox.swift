import Foundation

/// Optimistic sends: the outbox, deliveries and their retries.
///
/// The outbox leaves in the order the user wrote, whatever the group: one message is in flight at a time, and
/// the next leaves only once the server has stored it (or refused it for good). A retryable failure holds the
/// rest back until it is retried, after a backoff or on the next connection.
extension SyncMachine {
    mutating func send(groupID: String, text: String, clientID: String, at: Date, replyTo: String? = nil) -> [SyncAction] {
        self.state.outbox.append(OutgoingMessage(clientId: clientID, groupId: groupID, text: text, createdAt: at, replyTo: replyTo))
        return self.deliverNext()
    }

    mutating func delivered(clientID: String, message: Message) -> [SyncAction] {
        self.state.outbox.removeAll { $0.clientId == clientID }
        var actions: [SyncAction] = []
        if self.state.groups[message.groupId] != nil {
            actions = self.updating(message.groupId, bumps: true) { timeline, actions in
                Self.integrate([message], into: &timeline, actions: &actions)
                Self.observe(message.rev, in: &timeline, actions: &actions)
            }
        }
        return actions + self.deliverNext()
    }

    mutating func deliveryFailed(clientID: String, reason: String, retryable: Bool) -> [SyncAction] {
        guard let index = self.state.outbox.firstIndex(where: { $0.clientId == clientID }) else { return [] }
        guard retryable else {
            self.state.outbox[index].status = .failed(reason)
            return self.deliverNext()
        }
        self.state.outbox[index].status = .queued
        // Retried after a backoff (see `tick`) or on the next connection; what was written later waits.
        self.retry = .holding
        return [.wakeUp(at: .distantPast)]
    }

    /// Hands the oldest queued message to the transport, when connected and none is in flight.
    mutating func deliverNext() -> [SyncAction] {
        guard self.isConnected, self.retry == .none, !self.state.outbox.contains(where: { $0.status == .sending }),
            let index = self.state.outbox.firstIndex(where: { $0.status == .queued })
        else { return [] }
        self.state.outbox[index].status = .sending
        self.state.outbox[index].attempts += 1
        return [.deliver(self.state.outbox[index])]
    }

    /// A new connection: a held retry goes at once.
    mutating func deliverAfterConnecting() -> [SyncAction] {
        self.retry = .none
        return self.deliverNext()
    }

    /// Time passed: typing indicators expire, and failed deliveries are retried after a backoff.
    mutating func tick(_ now: Date) -> [SyncAction] {
        var actions: [SyncAction] = []
        var nextWake: Date?
        for id in self.state.groups.keys {
            guard var timeline = self.state.groups[id], !timeline.typing.isEmpty else { continue }
            timeline.typing.removeAll { $0.until <= now }
            if let soonest = timeline.typing.map(\.until).min() { nextWake = min(nextWake ?? soonest, soonest) }
            self.state.groups[id] = timeline
        }
        switch self.retry {
        case .none:
            break
        case .holding:
            guard self.isConnected else { break }
            let attempts = self.state.outbox.filter { $0.status == .queued }.map(\.attempts).max() ?? 0
            let delay = Self.retryBackoff.ceiling(attempt: max(0, attempts - 1))
            let at = now.addingTimeInterval(delay.timeInterval)
            self.retry = .at(at)
            nextWake = min(nextWake ?? at, at)
        case .at(let at) where at <= now:
            actions += self.deliverAfterConnecting()
        case .at(let at):
            nextWake = min(nextWake ?? at, at)
        }
        if let nextWake { actions.append(.wakeUp(at: nextWake)) }
        return actions
    }
}

/// Where a retryable failure of the outbox's head stands.
enum RetryState: Sendable, Hashable {
    /// Nothing held: the outbox flows.
    case none
    /// Failed; the backoff starts at the next tick.
    case holding
    /// Retried at this time.
    case at(Date)
}
