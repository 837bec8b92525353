import ChatCore

/// What `chat-tui watch` has printed, per group, and so what to print and fetch next: every message once, in
/// `seq` order, none missed across reconnects. Pure: the command carries out its decisions.
struct WatchState {
    /// What to do with a message that arrived live.
    enum Decision: Equatable {
        case print
        /// Already printed, or of a group not watched.
        case skip
        /// Messages are missing before it: fetch those after `after` first (the live one comes with them).
        case catchUp(after: Int64)
    }

    /// The groups watched; nil for all of the user's.
    let groups: Set<String>?
    /// Per group, the newest `seq` printed, or the one it stood at when watching began.
    private(set) var newest: [String: Int64] = [:]

    init(groups: Set<String>?) {
        self.groups = groups
    }

    /// A `ready`: groups seen for the first time start at their current `seq` (only new messages are printed);
    /// returns the groups that moved on while disconnected, with the `seq` to fetch after.
    mutating func ready(_ cursors: [ServerEvent.GroupCursor]) -> [(group: String, after: Int64)] {
        var behind: [(group: String, after: Int64)] = []
        for cursor in cursors where self.watches(cursor.id) {
            if let newest = self.newest[cursor.id] {
                if cursor.lastSeq > newest { behind.append((cursor.id, newest)) }
            } else {
                self.newest[cursor.id] = cursor.lastSeq
            }
        }
        return behind
    }

    /// A live `message:new`.
    func decide(_ message: Message) -> Decision {
        guard self.watches(message.groupId) else { return .skip }
        // A group joined while watching: its first message starts it.
        guard let newest = self.newest[message.groupId] else { return .print }
        if message.seq <= newest { return .skip }
        return message.seq == newest + 1 ? .print : .catchUp(after: newest)
    }

    /// Records a message as printed.
    mutating func printed(_ message: Message) {
        self.newest[message.groupId] = max(self.newest[message.groupId] ?? 0, message.seq)
    }

    private func watches(_ group: String) -> Bool { self.groups?.contains(group) ?? true }
}
