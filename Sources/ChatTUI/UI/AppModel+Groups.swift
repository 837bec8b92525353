import ChatCore
import Foundation

/// The chat screen's groups: stable numbers, selection, mentions and the bell, scrolling, and the reconnect
/// countdown.
extension AppModel {
    /// A new sync state: numbers for new groups, the countdown, mentions, and a valid selection.
    mutating func receive(_ state: SyncState) -> [AppEffect] {
        let previousConnection = self.sync.connection
        // A new notice (a removal, a failed catch-up) is newer than the status line, which would hide it.
        if let notice = state.notice, notice != self.sync.notice { self.status = nil }
        self.sync = state
        var effects: [AppEffect] = []
        if !state.groups.isEmpty {
            let before = self.numbers
            self.numbers.update(present: state.groupOrder.filter { state.groups[$0] != nil })
            if self.numbers != before { effects.append(.save(self.savedState)) }
        }
        if case .reconnecting(let retryIn) = state.connection {
            if previousConnection != state.connection || self.reconnectAt == nil, let now = self.now {
                self.reconnectAt = now.addingTimeInterval(retryIn.timeInterval)
            }
        } else {
            self.reconnectAt = nil
        }
        // Quotes that could not be fetched while the server was away are asked again once it is back.
        if state.connection == .connected, previousConnection != .connected { self.quotesAsked = [] }
        effects += self.checkMentions()
        return effects + self.keepSelection() + self.continueJump()
    }

    /// Whether the UI loop should send ticks (a countdown is on screen).
    public var wantsTicks: Bool { self.reconnectAt != nil }

    /// Looks at messages not seen yet for mentions of the user: a mention in a group not on screen marks the
    /// group (for the hotlist) and rings the bell once.
    private mutating func checkMentions() -> [AppEffect] {
        guard let me = self.sync.me else { return [] }
        var ring = false
        for (id, timeline) in self.sync.groups {
            let newest = max(timeline.ahead.last?.seq ?? timeline.messages.last?.seq ?? 0, timeline.group.lastSeq)
            guard let checked = self.mentionChecked[id] else {
                self.mentionChecked[id] = newest
                continue
            }
            // Only what arrived since the last check: the newest end of the timeline (found from that end, as
            // this runs on every state change), and what waits beyond a gap.
            let start = timeline.messages.lastIndex { $0.seq <= checked }.map { $0 + 1 } ?? timeline.messages.startIndex
            if id != self.selected,
                timeline.messages[start...].contains(where: { Self.mentions($0, of: me) })
                    || timeline.ahead.contains(where: { $0.seq > checked && Self.mentions($0, of: me) })
            {
                self.mentioned.insert(id)
                ring = true
            }
            self.mentionChecked[id] = max(checked, newest)
            if timeline.unread == 0 { self.mentioned.remove(id) }
        }
        for id in self.mentioned where self.sync.groups[id] == nil { self.mentioned.remove(id) }
        return ring && self.settings.bell ? [.bell] : []
    }

    /// Whether `message` is someone else's and mentions `me`.
    static func mentions(_ message: Message, of me: User) -> Bool {
        message.sender.id != me.id && !message.deleted && Mention.mentions(message.text, name: me.displayName)
    }

    /// The hotlist: numbers of the other groups with unread messages, and whether each holds a mention.
    public var hotlist: [(number: Int, mention: Bool)] {
        self.numbers.order.enumerated().compactMap { index, id in
            guard id != self.selected, let timeline = self.sync.groups[id], timeline.unread > 0 else { return nil }
            return (index + 1, self.mentioned.contains(id))
        }
    }

    /// Keeps a valid group selected: the most recently active one when there is none yet.
    private mutating func keepSelection() -> [AppEffect] {
        if let selected = self.selected, self.sync.groups[selected] != nil { return [] }
        self.selected = nil
        return self.select(self.sync.groupOrder.first)
    }

    /// Shows a group.
    mutating func select(_ groupID: String?, force: Bool = false) -> [AppEffect] {
        guard let groupID, force || self.selected != groupID else { return [] }
        self.selected = groupID
        self.mentioned.remove(groupID)
        self.completion = nil
        self.newAfter = nil
        if let timeline = self.sync.groups[groupID], max(timeline.group.lastSeq, timeline.newestSeq ?? 0) > timeline.readSeq {
            self.newAfter = (groupID, timeline.readSeq)
        }
        return [.focus(groupId: self.scroll[groupID] == nil ? groupID : nil)]
    }

    // MARK: Scrolling

    /// The chat screen's layout for the composer as it is.
    public var layout: ChatLayout {
        ChatLayout(width: self.width, height: self.height, inputRows: ComposerView.rows(for: self.input, width: self.width).count)
    }

    /// The message pane's lines for a group, as drawn.
    /// `tail`: only the newest messages' lines (see ``MessageLines/build(timeline:pending:me:width:settings:newAfter:tail:)``).
    func messageLines(for timeline: GroupTimeline, width: Int, tail: Int? = nil) -> [StyledLine] {
        MessageLines.build(
            timeline: timeline,
            pending: self.sync.pending(in: timeline.id),
            me: self.sync.me,
            width: width,
            settings: self.settings,
            newAfter: self.newAfter?.groupId == timeline.id ? self.newAfter?.seq : nil,
            tail: tail
        )
    }

    /// Scrolls by pages of the message pane and by `lines`; reaching the oldest loaded line asks for older history.
    mutating func scroll(pages: Int, lines extra: Int) -> [AppEffect] {
        guard let timeline = self.selectedTimeline else { return [] }
        let layout = self.layout
        let lines = self.messageLines(for: timeline, width: layout.messageWidth)
        let rows = layout.messageRows
        let end = ScrollAnchor.end(of: lines, anchor: self.scroll[timeline.id])
        let step = pages * max(1, rows - 1) + extra
        let next = min(lines.count, max(min(rows, lines.count), end - step))
        self.scroll[timeline.id] = ScrollAnchor.at(next, in: lines)
        if step > 0, next <= rows, timeline.hasOlder, !timeline.loadingOlder {
            return [.loadOlder(groupId: timeline.id)]
        }
        return []
    }

    /// End / Alt-End: back to the newest message.
    mutating func jumpToBottom() {
        if let selected = self.selected { self.scroll[selected] = nil }
    }
}
