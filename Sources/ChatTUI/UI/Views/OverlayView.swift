import ChatCore
import Foundation

/// Panels drawn over the chat: help, the invite's QR code, the member list, join requests, and "working on it".
enum OverlayView {
    static func render(_ overlay: AppModel.Overlay, model: AppModel, into grid: inout CellGrid) {
        let scroll = model.overlayScroll
        switch overlay {
        case .help:
            let lines = KeyBindings.helpLines
            self.box(title: "Help", lines: Array(lines.dropFirst(min(max(0, scroll), max(0, lines.count - (grid.height - 2))))), into: &grid)
        case .busy(let text):
            self.box(title: "", lines: [StyledLine(text)], into: &grid)
        case .members(let groupID, let name):
            let lines = self.memberLines(model.membersForPanel(of: groupID))
            let room = max(1, grid.height - 5)
            let shown = Array(lines.dropFirst(min(max(0, scroll), max(0, lines.count - room))).prefix(room))
            let more = lines.count > room ? " · ↑↓ scroll" : ""
            self.box(
                title: "Members of \(TerminalText.sanitize(name)) (\(lines.count))",
                lines: shown + [StyledLine(""), StyledLine("● online  ○ away\(more) · Esc closes", style: .dim)],
                into: &grid
            )
        case .requests(let panel):
            let lines = panel.requests.enumerated().map { index, request in
                StyledLine(
                    [
                        .init(text: index == panel.selected ? "▶ " : "  ", style: .bold),
                        .init(text: TerminalText.sanitize(request.user.displayName), style: index == panel.selected ? .bold : .plain),
                        .init(text: "  asked \(LocalTime.format(request.createdAt))", style: .dim),
                    ]
                )
            }
            self.box(
                title: "Join requests for \(TerminalText.sanitize(panel.groupName))",
                lines: lines + [StyledLine(""), StyledLine("↑↓ select · a approves · d denies · Esc closes", style: .dim)],
                into: &grid
            )
        case .search(let panel):
            let room = max(1, grid.height - 5)
            let first = min(max(0, panel.selected - room + 1), max(0, panel.hits.count - room))
            let lines = panel.hits.enumerated().dropFirst(first).prefix(room).map { index, hit in
                let chosen = index == panel.selected
                let group = model.sync.groups[hit.message.groupId]?.group.name ?? "?"
                var segments: [StyledLine.Segment] = [
                    .init(text: chosen ? "▶ " : "  ", style: .bold),
                    .init(text: TerminalText.sanitize(group) + " ", style: .dim),
                    .init(text: TerminalText.sanitize(hit.message.sender.displayName) + ": ", style: .bold),
                ]
                for (text, matched) in SearchMatches.split(hit.message.text, hit.highlights) {
                    let flat = TerminalText.sanitize(text.replacingOccurrences(of: "\n", with: " "))
                    segments.append(.init(text: flat, style: matched ? CellStyle(bold: true, reverse: true) : .plain))
                }
                return StyledLine(segments)
            }
            let more = panel.more ? " · more on the server: narrow the words" : ""
            self.box(
                title: "Search: \(TerminalText.sanitize(panel.query)) (\(panel.hits.count))\(panel.offline ? " · offline, cached messages" : "")",
                lines: lines + [StyledLine(""), StyledLine("↑↓ select · Enter jumps · Esc closes\(more)", style: .dim)],
                into: &grid
            )
        case .invite(let panel):
            InvitePanelView.render(panel, into: &grid)
        case .confirmDelete(_, _, let preview):
            self.box(
                title: "Delete this message?",
                lines: [StyledLine(preview), StyledLine(""), StyledLine("y deletes it for everyone · any other key keeps it", style: .dim)],
                into: &grid
            )
        }
    }

    /// One line per member: presence, name, role, and when last seen for those away.
    static func memberLines(_ members: [(member: Member, presence: Presence?)]) -> [StyledLine] {
        let width = min(24, members.map { DisplayWidth.of(TerminalText.sanitize($0.member.user.displayName)) }.max() ?? 0)
        return members.map { member, presence in
            let online = presence?.status == .online
            let name = DisplayWidth.pad(DisplayWidth.truncate(TerminalText.sanitize(member.user.displayName), to: width), to: width)
            let seen = online ? "" : presence?.lastSeenAt.map { "  last seen \(LocalTime.format($0))" } ?? ""
            return StyledLine([
                .init(text: online ? "● " : "○ ", style: CellStyle(foreground: online ? .green : .standard)),
                .init(text: name, style: CellStyle(foreground: MessageLines.color(for: member.user.id))),
                .init(text: "  " + member.role.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0), style: .dim),
                .init(text: seen, style: .dim),
            ])
        }
    }

    /// A bordered box in the middle of the screen holding `lines`.
    static func box(title: String, lines: [StyledLine], into grid: inout CellGrid) {
        let contentWidth = min(grid.width - 4, max(DisplayWidth.of(title) + 2, lines.map { DisplayWidth.of($0.text) }.max() ?? 0))
        let contentHeight = min(grid.height - 2, lines.count)
        let width = contentWidth + 4
        let height = contentHeight + 2
        let x = max(0, (grid.width - width) / 2)
        let y = max(0, (grid.height - height) / 2)
        grid.fill(x: x, y: y, width: width, height: height, style: .plain)
        grid.put("┌" + String(repeating: "─", count: width - 2) + "┐", x: x, y: y)
        grid.put("└" + String(repeating: "─", count: width - 2) + "┘", x: x, y: y + height - 1)
        for row in 1..<(height - 1) {
            grid.put("│", x: x, y: y + row)
            grid.put("│", x: x + width - 1, y: y + row)
        }
        if !title.isEmpty { grid.put(" \(title) ", x: x + 2, y: y, style: .bold, maxX: x + width - 1) }
        for (index, line) in lines.prefix(contentHeight).enumerated() {
            var column = x + 2
            for segment in line.segments {
                column = grid.put(segment.text, x: column, y: y + 1 + index, style: segment.style, maxX: x + width - 2)
            }
        }
    }
}

/// The `/invite` panel: the invite URL as a QR code in half blocks, black on white whatever the terminal's
/// colours, then the URL and its limits. A terminal too small for the whole code gets a message instead of
/// a code that would not scan.
enum InvitePanelView {
    static let codeStyle = CellStyle(foreground: .black, background: .white)

    static func render(_ panel: InvitePanel, into grid: inout CellGrid) {
        let url = panel.invite.url
        let uses = panel.invite.maxUses == 1 ? "1 use" : "\(panel.invite.maxUses) uses"
        let details = "Expires \(LocalTime.format(panel.invite.expiresAt)) · \(uses) · Esc closes"
        guard let code = panel.code else {
            OverlayView.box(title: "Invite to \(panel.groupName)", lines: [StyledLine(url), StyledLine(details, style: .dim)], into: &grid)
            return
        }
        let renderer = QRRenderer(style: .halfBlock)
        let (codeWidth, codeHeight) = renderer.cellSize(forModules: code.size)
        let urlLines = DisplayWidth.wrap(url, width: max(codeWidth, min(grid.width - 4, 80)))
        let neededWidth = codeWidth + 4
        let neededHeight = codeHeight + 2 + 1 + urlLines.count + 1
        guard grid.width >= neededWidth, grid.height >= neededHeight else {
            let message =
                "The terminal is too small for the QR code: it needs \(neededWidth)×\(neededHeight), this one is \(grid.width)×\(grid.height)."
            let lines =
                DisplayWidth.wrap(message, width: max(10, grid.width - 4)).map { StyledLine($0, style: CellStyle(foreground: .yellow)) }
                + [StyledLine("Enlarge the window, or share the link:"), StyledLine(url), StyledLine(details, style: .dim)]
            OverlayView.box(title: "Invite to \(panel.groupName)", lines: lines, into: &grid)
            return
        }
        let width = max(codeWidth, urlLines.map { DisplayWidth.of($0) }.max() ?? 0, DisplayWidth.of(details)) + 4
        let boxWidth = min(grid.width, width)
        let x = max(0, (grid.width - boxWidth) / 2)
        let y = max(0, (grid.height - neededHeight) / 2)
        let lines: [StyledLine] =
            Array(repeating: StyledLine(""), count: codeHeight) + urlLines.map { StyledLine($0, style: .bold) } + [StyledLine(details, style: .dim)]
        OverlayView.box(title: "Invite to \(panel.groupName)", lines: lines, into: &grid)
        // The box centres itself the same way; draw the code over its blank first rows.
        let boxX = max(
            0,
            (grid.width
                - (min(grid.width - 4, max(DisplayWidth.of("Invite to \(panel.groupName)") + 2, lines.map { DisplayWidth.of($0.text) }.max() ?? 0))
                    + 4))
                / 2
        )
        let boxY = max(0, (grid.height - (min(grid.height - 2, lines.count) + 2)) / 2)
        let codeX = boxX + 2 + max(0, (boxWidth - 4 - codeWidth) / 2)
        for (row, line) in renderer.lines(for: code).enumerated() {
            grid.put(line, x: codeX, y: boxY + 1 + row, style: self.codeStyle)
        }
        _ = (x, y)
    }
}
