import ChatCore
import Foundation

/// Panels drawn over the chat: help, the invite's QR code, the member list, and "working on it".
enum OverlayView {
    static func render(_ overlay: AppModel.Overlay, scroll: Int = 0, into grid: inout CellGrid) {
        switch overlay {
        case .help:
            let lines = KeyBindings.helpLines
            self.box(title: "Help", lines: Array(lines.dropFirst(min(max(0, scroll), max(0, lines.count - (grid.height - 2))))), into: &grid)
        case .busy(let text):
            self.box(title: "", lines: [StyledLine(text)], into: &grid)
        case .members(let name, let members):
            let lines = members.map { member in
                StyledLine([
                    .init(text: member.role.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0), style: .dim),
                    .init(
                        text: TerminalText.sanitize(member.user.displayName),
                        style: CellStyle(foreground: MessageLines.color(for: member.user.id))
                    ),
                ])
            }
            self.box(
                title: "Members of \(TerminalText.sanitize(name))",
                lines: lines + [StyledLine(""), StyledLine("Esc closes", style: .dim)],
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
