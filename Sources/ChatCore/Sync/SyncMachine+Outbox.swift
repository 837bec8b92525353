import Foundation

/// Optimistic sends: the outbox, deliveries and their retries.
extension SyncMachine {
    mutating func send(groupID: String, text: String, clientID: String, at: Date) -> [SyncAction] {
        var message = OutgoingMessage(clientId: clientID, groupId: groupID, text: text, createdAt: at)
        guard self.isConnected else {
            self.state.outbox.append(message)
            return []
        }
        message.status = .sending
        message.attempts = 1
        self.state.outbox.append(message)
        return [.deliver(message)]
    }

    mutating func delivered(clientID: String, message: Message) -> [SyncAction] {
        self.state.outbox.removeAll { $0.clientId == clientID }
        guard self.state.groups[message.groupId] != nil else { return [] }
        return self.updating(message.groupId, bumps: true) { timeline, actions in
            Self.integrate([message], into: &timeline, actions: &actions)
            Self.observe(message.rev, in: &timeline, actions: &actions)
        }
    }

    mutating func deliveryFailed(clientID: String, reason: String, retryable: Bool) -> [SyncAction] {
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
    mutating func deliverQueued() -> [SyncAction] {
        guard self.isConnected else { return [] }
        var actions: [SyncAction] = []
        for index in self.state.outbox.indices where self.state.outbox[index].status == .queued {
            self.state.outbox[index].status = .sending
            self.state.outbox[index].attempts += 1
            actions.append(.deliver(self.state.outbox[index]))
        }
        return actions
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
}
