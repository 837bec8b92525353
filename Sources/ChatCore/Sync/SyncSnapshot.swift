import Foundation

/// What a client keeps between runs (see chat-tui's cache): each group with its newest messages, and the
/// outbox. ``SyncMachine/init(me:restoring:)`` starts from it, and the change feed brings it up to date.
public struct SyncSnapshot: Sendable, Hashable {
    /// One group as it was held.
    public struct CachedGroup: Sendable, Hashable {
        public var group: Group
        /// Whether the messages were loaded: if not, `messages` is empty and the newest page loads when shown.
        public var loaded: Bool
        /// The newest messages held, ascending `seq` with no gap (each as of its latest change held).
        public var messages: [Message]
        /// Every change of the group up to this `rev` is reflected in `messages`.
        public var rev: Int64
        public var readSeq: Int64
        public var members: [Member]?

        public init(group: Group, loaded: Bool, messages: [Message], rev: Int64, readSeq: Int64, members: [Member]? = nil) {
            self.group = group
            self.loaded = loaded
            self.messages = messages
            self.rev = rev
            self.readSeq = readSeq
            self.members = members
        }
    }

    /// Most recently active first.
    public var groups: [CachedGroup]
    /// Messages not yet acknowledged, in the order they were written.
    public var outbox: [OutgoingMessage]

    public init(groups: [CachedGroup] = [], outbox: [OutgoingMessage] = []) {
        self.groups = groups
        self.outbox = outbox
    }

    /// What of `state` is worth keeping: the contiguous messages of each loaded group (at most `limit`, the
    /// newest), and the outbox.
    public init(_ state: SyncState, limit: Int) {
        self.groups = state.orderedGroups.map { timeline in
            CachedGroup(
                group: timeline.group,
                loaded: timeline.loaded,
                messages: timeline.loaded ? Array(timeline.messages.suffix(limit)) : [],
                rev: timeline.rev,
                readSeq: timeline.readSeq,
                members: timeline.members
            )
        }
        self.outbox = state.outbox
    }
}

extension GroupTimeline {
    /// A timeline as it was kept: loaded when messages were kept (older pages then load by `seq`), else as a
    /// group whose newest page is still to load.
    init(restoring cached: SyncSnapshot.CachedGroup) {
        self.init(group: cached.group)
        self.readSeq = max(self.readSeq, cached.readSeq)
        self.members = cached.members
        guard cached.loaded else { return }
        self.loaded = true
        self.messages = cached.messages
        self.rev = cached.rev
        if let oldest = cached.messages.first?.seq, oldest > 1 { self.olderBefore = oldest }
    }
}
