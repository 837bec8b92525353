import ChatCore
import Foundation

/// A rendered screen: the cells, and where the terminal cursor goes.
public struct Frame: Sendable, Hashable {
    public var grid: CellGrid
    public var cursor: (x: Int, y: Int)?

    public static func == (lhs: Frame, rhs: Frame) -> Bool {
        lhs.grid == rhs.grid && lhs.cursor?.x == rhs.cursor?.x && lhs.cursor?.y == rhs.cursor?.y
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(self.grid) }
}

/// Draws the whole UI for a model. Pure: the same model gives the same frame.
public enum AppView {
    public static func render(_ model: AppModel) -> Frame {
        var grid = CellGrid(width: model.width, height: model.height)
        let layout = model.layout
        if layout.isTooSmall {
            let message = "Terminal too small: need \(ChatLayout.minimumWidth)×\(ChatLayout.minimumHeight)"
            for (row, line) in DisplayWidth.wrap(message, width: max(1, model.width)).enumerated() {
                grid.put(line, x: 0, y: row)
            }
            return Frame(grid: grid, cursor: nil)
        }
        switch model.screen {
        case .login(let form):
            return LoginView.render(form, server: model.server, into: &grid)
        case .chat:
            var cursor: (x: Int, y: Int)? = ChatView.render(model, layout: layout, into: &grid)
            if let overlay = model.overlay {
                OverlayView.render(overlay, model: model, into: &grid)
                cursor = nil
            }
            return Frame(grid: grid, cursor: cursor)
        }
    }
}

/// The chat screen: sidebar, message pane, info line, input line and status bar.
enum ChatView {
    /// Draws the chat and returns the cursor position (in the input line).
    static func render(_ model: AppModel, layout: ChatLayout, into grid: inout CellGrid) -> (x: Int, y: Int) {
        if layout.sidebarWidth > 0 {
            self.sidebar(model, layout: layout, into: &grid)
            for row in 0..<layout.inputRow { grid.put("│", x: layout.sidebarWidth, y: row, style: .dim) }
        }
        self.pane(model, layout: layout, into: &grid)
        self.info(model, layout: layout, into: &grid)
        let cursor = ComposerView.render(model.input, layout: layout, into: &grid)
        self.statusBar(model, layout: layout, into: &grid)
        return cursor
    }

    private static func sidebar(_ model: AppModel, layout: ChatLayout, into grid: inout CellGrid) {
        let width = layout.sidebarWidth
        grid.put("Groups", x: 0, y: 0, style: .bold, maxX: width)
        let numbered = model.numbers.order.compactMap { model.sync.groups[$0] }
        let digits = String(numbered.count).count
        for (index, timeline) in numbered.enumerated() {
            let row = 1 + index
            guard row < layout.infoRow else { break }
            let selected = timeline.id == model.selected
            let number = String(repeating: " ", count: digits - String(index + 1).count) + "\(index + 1) "
            let mentioned = model.mentioned.contains(timeline.id)
            let unread = timeline.unread > 0 && !selected ? " \(timeline.unread)" : ""
            let nameWidth = width - DisplayWidth.of(number) - DisplayWidth.of(unread)
            let name = DisplayWidth.pad(DisplayWidth.truncate(TerminalText.sanitize(timeline.group.name), to: nameWidth), to: nameWidth)
            let style = selected ? CellStyle.reverse : timeline.unread > 0 ? CellStyle.bold : .plain
            var x = grid.put(number, x: 0, y: row, style: selected ? .reverse : .dim, maxX: width)
            x = grid.put(name, x: x, y: row, style: style, maxX: width)
            let count =
                mentioned
                ? CellStyle(foreground: model.settings.highlight, bold: true, reverse: true)
                : CellStyle(foreground: .yellow, bold: true, reverse: selected)
            grid.put(unread, x: x, y: row, style: count, maxX: width)
        }
        if model.sync.groups.isEmpty {
            for (offset, line) in ["No groups yet.", "/create NAME", "/join INVITE"].enumerated() {
                grid.put(line, x: 0, y: 2 + offset, style: .dim, maxX: width)
            }
        }
    }

    private static func pane(_ model: AppModel, layout: ChatLayout, into grid: inout CellGrid) {
        let x = layout.paneX
        guard let timeline = model.selectedTimeline else {
            grid.put("Welcome! Create a group with /create NAME, or join one with /join INVITE.", x: x, y: 1, style: .dim)
            return
        }
        let members = timeline.group.memberCount == 1 ? "1 member" : "\(timeline.group.memberCount) members"
        var headerX = grid.put("# " + TerminalText.sanitize(timeline.group.name), x: x, y: layout.headerRow, style: .bold)
        headerX = grid.put(" · \(members)", x: headerX, y: layout.headerRow, style: .dim)
        let rows = layout.messageRows
        // Following the newest message, only as many messages as rows are laid out (each takes a line at least).
        let anchor = model.scroll[timeline.id]
        let lines = model.messageLines(for: timeline, width: layout.messageWidth, tail: anchor == nil ? rows : nil)
        let end = max(min(rows, lines.count), ScrollAnchor.end(of: lines, anchor: anchor))
        let start = max(0, end - rows)
        // Newest at the bottom, as in every chat.
        let top = layout.firstMessageRow + rows - (end - start)
        let selectedKey = model.selection.map { StyledLine.messagePrefix + $0 }
        for (offset, line) in lines[start..<end].enumerated() {
            var column = x
            for (index, segment) in line.segments.enumerated() {
                // The selected message's lines start in reverse video.
                var style = segment.style
                if index == 0, line.key == selectedKey { style.reverse = true }
                column = grid.put(segment.text, x: column, y: top + offset, style: style)
            }
        }
        if end < lines.count {
            let below = ScrollAnchor.messagesBelow(end, in: lines)
            let more = below > 0 ? "↓ \(below) new below · End" : "↓ more below · End"
            grid.put(more, x: model.width - DisplayWidth.of(more), y: layout.headerRow, style: CellStyle(foreground: .yellow))
        }
        _ = headerX
    }

    private static func info(_ model: AppModel, layout: ChatLayout, into grid: inout CellGrid) {
        let x = layout.paneX
        if let note = model.messageActionNote {
            grid.put(note, x: x, y: layout.infoRow, style: CellStyle(foreground: .cyan, bold: true))
            return
        }
        if let status = model.status {
            grid.put(
                TerminalText.sanitize(status.text),
                x: x,
                y: layout.infoRow,
                style: status.isError ? CellStyle(foreground: .red) : CellStyle(foreground: .green)
            )
            return
        }
        if let timeline = model.selectedTimeline, !timeline.typing.isEmpty {
            let names = timeline.typing.map { TerminalText.sanitize($0.user.displayName) }
            let text =
                names.count == 1
                ? "\(names[0]) is typing…" : names.count == 2 ? "\(names[0]) and \(names[1]) are typing…" : "Several people are typing…"
            grid.put(text, x: x, y: layout.infoRow, style: .dim)
            return
        }
        if let notice = model.sync.notice {
            grid.put(TerminalText.sanitize(notice), x: x, y: layout.infoRow, style: CellStyle(foreground: .yellow))
        }
    }

    private static func statusBar(_ model: AppModel, layout: ChatLayout, into grid: inout CellGrid) {
        let bar = CellStyle(reverse: true)
        grid.fill(x: 0, y: layout.statusRow, width: model.width, height: 1, style: bar)
        let user = model.sync.me.map { TerminalText.sanitize($0.displayName) } ?? "?"
        // Narrow terminals leave the server out, so that the connection and the hotlist stay in view.
        let server = layout.sidebarWidth > 0 ? "\(model.server) · " : ""
        var x = grid.put(" \(user) · \(server)", x: 0, y: layout.statusRow, style: bar)
        let (label, color) = self.connection(model.sync.connection, reconnectAt: model.reconnectAt, now: model.now)
        x = grid.put(label, x: x, y: layout.statusRow, style: CellStyle(foreground: color, bold: true, reverse: true))
        // The hotlist: the numbers of other groups with unread messages, mentions highlighted.
        let hotlist = model.hotlist
        if !hotlist.isEmpty {
            x = grid.put(" [Act: ", x: x, y: layout.statusRow, style: bar)
            for (index, entry) in hotlist.enumerated() {
                if index > 0 { x = grid.put(",", x: x, y: layout.statusRow, style: bar) }
                let style =
                    entry.mention ? CellStyle(foreground: model.settings.highlight, bold: true, reverse: true) : CellStyle(bold: true, reverse: true)
                x = grid.put("\(entry.number)", x: x, y: layout.statusRow, style: style)
            }
            x = grid.put("]", x: x, y: layout.statusRow, style: bar)
        }
        let hint = "Ctrl-N/P: groups · /help "
        if x + DisplayWidth.of(hint) + 2 <= model.width {
            grid.put(hint, x: model.width - DisplayWidth.of(hint), y: layout.statusRow, style: bar)
        }
    }

    static func connection(_ state: ConnectionState, reconnectAt: Date? = nil, now: Date? = nil) -> (String, TerminalColor) {
        switch state {
        case .connected: ("● connected", .green)
        case .connecting: ("◌ connecting…", .yellow)
        case .reconnecting(let retryIn):
            // Counts down with the UI's ticks.
            ("○ offline · reconnecting in \(Self.secondsLeft(retryIn, until: reconnectAt, now: now))s", .yellow)
        case .offline: ("○ offline", .red)
        case .signedOut: ("✗ session expired: chat-tui login", .red)
        }
    }

    /// Whole seconds until the next attempt, at least 1: from the UI's clock when it has one, else the delay.
    private static func secondsLeft(_ retryIn: Duration, until reconnectAt: Date?, now: Date?) -> Int {
        guard let reconnectAt, let now else { return max(1, Int(retryIn.components.seconds.magnitude)) }
        return max(1, Int(reconnectAt.timeIntervalSince(now).rounded(.up)))
    }
}
