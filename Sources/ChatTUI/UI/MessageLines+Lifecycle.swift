import ChatCore

/// What a message's life adds around it on screen: the quote of the message it answers, `(edited)`, a dim
/// line in place of a deleted one, and its reactions.
extension MessageLines {
    /// `↳ Ada: first words…` above a reply; `↳ deleted message` when that one is gone.
    static func replyLine(to reference: MessageRef, in timeline: GroupTimeline, indent: String, width: Int, key: String) -> StyledLine {
        let room = max(1, width - DisplayWidth.of(indent) - 2)
        let quote: String
        if let original = timeline.messages.first(where: { $0.id == reference.id }) ?? timeline.quoted[reference.id] {
            quote =
                original.deleted
                ? "deleted message"
                : TerminalText.line(original.sender.displayName) + ": " + TerminalText.line(original.text)
        } else {
            quote = "an earlier message (#\(reference.seq))"
        }
        return StyledLine(indent + "↳ " + DisplayWidth.truncate(quote, to: room), style: .dim, key: key)
    }

    /// A deleted message keeps its place: its time and sender, and that it was deleted.
    static func deletedLine(time: String, name: String, key: String) -> StyledLine {
        StyledLine(time + " " + TerminalText.line(name) + ": message deleted", style: .dim, key: key)
    }

    /// Adds a dim `(edited)` after the text, on its last line if it fits there, else on a line of its own.
    static func markEdited(_ lines: inout [StyledLine], indent: String, width: Int, key: String) {
        let mark = " (edited)"
        guard let last = lines.last else { return }
        if DisplayWidth.of(last.text) + DisplayWidth.of(mark) <= width {
            lines[lines.count - 1].segments.append(.init(text: mark, style: .dim))
        } else {
            lines.append(StyledLine(indent + "(edited)", style: .dim, key: key))
        }
    }

    /// `👍 2  🎉 1` under a message, the user's own reactions in bold.
    static func reactionLine(_ reactions: [Reaction], me: User?, indent: String, key: String) -> StyledLine {
        var segments = [StyledLine.Segment(text: indent, style: .plain)]
        for (index, reaction) in reactions.enumerated() {
            let mine = me.map { reaction.userIds.contains($0.id) } ?? false
            if index > 0 { segments.append(.init(text: "  ", style: .plain)) }
            segments.append(.init(text: "\(TerminalText.line(reaction.emoji)) \(reaction.count)", style: mine ? CellStyle(bold: true) : .dim))
        }
        return StyledLine(segments, key: key)
    }
}
