import ChatCore

/// Reaction rows, in ascending `rev` per message, grouped into each message's reactions: an emoji comes in the
/// order of its earliest current reaction, and its users in the order they reacted.
struct ReactionRows {
    private(set) var bySeq: [Int64: [Reaction]] = [:]

    init(_ rows: [(seq: Int64, emoji: String, userID: String)]) {
        for (seq, emoji, userID) in rows {
            if let index = self.bySeq[seq]?.firstIndex(where: { $0.emoji == emoji }) {
                self.bySeq[seq]?[index].userIds.append(userID)
                self.bySeq[seq]?[index].count += 1
            } else {
                self.bySeq[seq, default: []].append(Reaction(emoji: emoji, userIds: [userID]))
            }
        }
    }
}
