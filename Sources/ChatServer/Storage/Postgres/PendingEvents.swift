import Synchronization

/// This instance's own events, held from the transaction that announces them until their notification comes
/// back on the LISTEN connection, which then publishes them.
///
/// On PostgreSQL every instance publishes every event in the order the database committed it, its own events
/// included: a member removed on one instance therefore hears nothing of the group from another instance after
/// the removal, even from that instance's own writes. Held events whose notification never comes (a rolled back
/// transaction, a lost connection) are dropped on recovery, or the oldest first past ``capacity``.
final class PendingEvents: Sendable {
    /// The most events held at once.
    static let capacity = 65_536

    private let state = Mutex<(next: UInt64, events: [UInt64: ChatEvent])>((1, [:]))

    /// Holds `event`; its number goes into the notification.
    func hold(_ event: ChatEvent) -> UInt64 {
        self.state.withLock { state in
            let number = state.next
            state.next += 1
            state.events[number] = event
            if state.events.count > Self.capacity, let oldest = state.events.keys.min() { state.events[oldest] = nil }
            return number
        }
    }

    /// The held event with this number, now released.
    func take(_ number: UInt64) -> ChatEvent? {
        self.state.withLock { $0.events.removeValue(forKey: number) }
    }

    /// Drops every held event: after a lost connection, the catch-up from the database replaces them.
    func clear() {
        self.state.withLock { $0.events.removeAll() }
    }

    /// How many events are held.
    var count: Int { self.state.withLock { $0.events.count } }
}
