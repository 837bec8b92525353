import Foundation

/// Decides this instance's presence writes, as a pure state machine: it counts each user's open WebSockets,
/// holds a user's last close for the grace period (a quick reconnect is not a flap), and says when to renew
/// the instance's presence and when to sweep what dead instances left behind. It reads no clock: each input
/// comes with the time.
struct PresenceMachine: Sendable {
    /// What to write.
    enum Action: Sendable, Hashable {
        /// The user's first connection here: record it (the repository announces it if they were offline).
        case online(userID: String, at: Date)
        /// The user's last connection here closed at `at`, more than the grace period ago.
        case offline(userID: String, at: Date)
        /// Extend the presence of every user recorded here.
        case renew
        /// Remove the presence that expired (an instance that stopped without saying so).
        case sweep
    }

    struct Timing: Sendable, Hashable {
        /// How long a user stays online after their last connection closed.
        var grace: TimeInterval
        /// How often this instance renews its users' presence.
        var renewEvery: TimeInterval = 20
        /// How often expired presence is swept.
        var sweepEvery: TimeInterval = 30
    }

    let timing: Timing
    /// Open connections per user.
    private var connections: [String: Int] = [:]
    /// Users recorded online by this instance.
    private(set) var recorded: Set<String> = []
    /// Users whose last connection closed, with when it did.
    private var closing: [String: Date] = [:]
    private var nextRenewal: Date
    private var nextSweep: Date

    init(timing: Timing, startedAt start: Date) {
        self.timing = timing
        self.nextRenewal = start.addingTimeInterval(timing.renewEvery)
        self.nextSweep = start
    }

    /// A WebSocket of the user opened.
    mutating func opened(_ userID: String, at now: Date) -> [Action] {
        var actions = self.due(at: now)
        self.connections[userID, default: 0] += 1
        guard self.connections[userID] == 1 else { return actions }
        if self.closing.removeValue(forKey: userID) == nil, self.recorded.insert(userID).inserted {
            actions.append(.online(userID: userID, at: now))
        }
        return actions
    }

    /// A WebSocket of the user closed.
    mutating func closed(_ userID: String, at now: Date) -> [Action] {
        guard let count = self.connections[userID] else { preconditionFailure("a connection of \(userID) closed that never opened") }
        if count > 1 {
            self.connections[userID] = count - 1
        } else {
            self.connections[userID] = nil
            self.closing[userID] = now
        }
        return self.due(at: now)
    }

    /// Time passed.
    mutating func tick(at now: Date) -> [Action] {
        self.due(at: now)
    }

    /// The instance stops: every user it recorded goes offline now.
    mutating func stop(at now: Date) -> [Action] {
        defer {
            self.recorded = []
            self.closing = [:]
            self.connections = [:]
        }
        return self.recorded.sorted().map { .offline(userID: $0, at: self.closing[$0] ?? now) }
    }

    private mutating func due(at now: Date) -> [Action] {
        var actions: [Action] = []
        for (userID, closedAt) in self.closing.sorted(by: { $0.value < $1.value }) where closedAt.addingTimeInterval(self.timing.grace) <= now {
            self.closing[userID] = nil
            self.recorded.remove(userID)
            actions.append(.offline(userID: userID, at: closedAt))
        }
        if now >= self.nextRenewal {
            self.nextRenewal = now.addingTimeInterval(self.timing.renewEvery)
            if !self.recorded.isEmpty { actions.append(.renew) }
        }
        if now >= self.nextSweep {
            self.nextSweep = now.addingTimeInterval(self.timing.sweepEvery)
            actions.append(.sweep)
        }
        return actions
    }
}
