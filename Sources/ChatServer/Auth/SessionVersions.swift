import Foundation
import Synchronization

/// The current token version of the accounts seen lately, so that checking a token's version costs no query on
/// most requests.
///
/// An entry is trusted for `lifetime`, then read again. Every instance hears of a raised version through the
/// event feed (``ChatEvent/sessionsEnded(userID:version:)``) and applies it at once; `lifetime` only bounds how
/// long a notification lost in a database outage could leave an ended token working here.
public final class SessionVersions: Sendable {
    /// What storage says of an account's tokens.
    public struct State: Sendable, Hashable {
        public var version: Int64
        /// A deleted account's tokens all fail.
        public var deleted: Bool

        public init(version: Int64, deleted: Bool) {
            self.version = version
            self.deleted = deleted
        }
    }

    private struct Entry {
        var state: State
        var readAt: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let lifetime: Duration
    private let capacity: Int

    public init(lifetime: Duration = .seconds(30), capacity: Int = 100_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// Whether a token of `version` still holds for `userID`; `lookup` reads storage (`nil`: no such account) when
    /// the cache has nothing fresh, or holds an older version than the token's (raised elsewhere, not yet heard).
    public func accepts(userID: String, version: Int64, lookup: () async throws -> State?) async throws -> Bool {
        let now = ContinuousClock.now
        let cached = self.entries.withLock { entries -> State? in
            guard let entry = entries[userID], now - entry.readAt < self.lifetime else { return nil }
            return entry.state
        }
        if let cached, cached.version >= version { return !cached.deleted && cached.version == version }
        guard let state = try await lookup() else { return false }
        self.store(state, for: userID, at: now)
        return !state.deleted && state.version == version
    }

    /// Records that the account's tokens before `version` ended (`deleted`: all of them).
    public func ended(userID: String, version: Int64, deleted: Bool) {
        self.entries.withLock { entries in
            guard let entry = entries[userID] else { return }
            // A newer version's state replaces the old one (an account enabled again is no longer refused).
            if entry.state.version < version {
                entries[userID]?.state = State(version: version, deleted: deleted)
            } else if deleted {
                entries[userID]?.state.deleted = true
            }
        }
    }

    /// How many accounts are cached.
    var count: Int { self.entries.withLock { $0.count } }

    /// Forgets everything: after notifications may have been lost, every account is read again.
    public func removeAll() {
        self.entries.withLock { $0.removeAll() }
    }

    private func store(_ state: State, for userID: String, at now: ContinuousClock.Instant) {
        self.entries.withLock { entries in
            if entries.count >= self.capacity, entries[userID] == nil {
                entries = entries.filter { now - $0.value.readAt < self.lifetime }
                if entries.count >= self.capacity { entries.removeAll(keepingCapacity: true) }
            }
            // A version raised while the lookup ran wins over what it read.
            if let existing = entries[userID]?.state, existing.version > state.version || existing.deleted {
                entries[userID]?.readAt = now
                return
            }
            entries[userID] = Entry(state: state, readAt: now)
        }
    }
}
