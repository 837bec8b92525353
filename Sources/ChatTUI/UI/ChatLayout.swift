import ChatCore

/// Where each part of the chat screen goes, for a terminal of `width` × `height`.
///
/// ```
/// Groups      │ # Book club · 3 members
/// 1 Book club │ 11:43 Ann: hello
/// 2 Friends 4 │ 11:44 Bob: a long message wraps
///             │       under itself
///             │ Bob is typing…                 (info row)
/// › the composer, one row or more             (input rows)
///  Ann · http://127.0.0.1:4000 · ● connected  (status row)
/// ```
public struct ChatLayout: Sendable, Hashable {
    public let width: Int
    public let height: Int
    /// Rows of the composer: as many as its text needs, up to a third of the screen.
    public let inputRows: Int

    /// The smallest usable terminal.
    public static let minimumWidth = 30
    public static let minimumHeight = 8

    public init(width: Int, height: Int, inputRows: Int = 1) {
        self.width = width
        self.height = height
        self.inputRows = min(max(1, inputRows), Self.maximumInputRows(height: height))
    }

    /// The tallest the composer grows: a third of the screen.
    public static func maximumInputRows(height: Int) -> Int { max(1, height / 3) }

    public var isTooSmall: Bool { self.width < Self.minimumWidth || self.height < Self.minimumHeight }
    /// 0 when the terminal is too narrow for a sidebar.
    public var sidebarWidth: Int { self.width >= 60 ? min(26, self.width / 4) : 0 }
    public var paneX: Int { self.sidebarWidth > 0 ? self.sidebarWidth + 1 : 0 }
    public var messageWidth: Int { self.width - self.paneX }
    public var headerRow: Int { 0 }
    public var firstMessageRow: Int { 1 }
    public var messageRows: Int { max(0, self.height - 3 - self.inputRows) }
    public var infoRow: Int { self.height - 2 - self.inputRows }
    public var inputRow: Int { self.height - 1 - self.inputRows }
    public var statusRow: Int { self.height - 1 }
}

/// A line of styled text.
public struct StyledLine: Sendable, Hashable {
    public struct Segment: Sendable, Hashable {
        public var text: String
        public var style: CellStyle
    }

    public var segments: [Segment]
    /// What the line belongs to, for scrolling: `m:` and a message id, `out:` and a clientId, or a marker.
    public var key: String?
    static let messagePrefix = "m:"

    public init(_ segments: [Segment] = [], key: String? = nil) {
        self.segments = segments
        self.key = key
    }

    public init(_ text: String, style: CellStyle = .plain, key: String? = nil) {
        self.segments = [Segment(text: text, style: style)]
        self.key = key
    }

    public var text: String { self.segments.map(\.text).joined() }
}

/// The message pane's lines for a group: history markers, day separators, messages wrapped to the width
/// (wide characters count double), then the messages still pending.
public enum MessageLines {
    /// Colours for senders, chosen by a hash of their id so that each keeps one.
    static let palette: [TerminalColor] = [.cyan, .green, .yellow, .magenta, .blue, .red]

    public static func color(for userID: String) -> TerminalColor {
        var hash: UInt32 = 2_166_136_261
        for byte in userID.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return self.palette[Int(hash % UInt32(self.palette.count))]
    }

    /// With `tail`, only the lines of the newest `tail` messages (and what follows them) are built: the same
    /// lines as the end of the full build, for a pane that shows the newest ones, at a cost that does not grow
    /// with the history held.
    public static func build(
        timeline: GroupTimeline,
        pending: [OutgoingMessage],
        me: User?,
        width: Int,
        settings: UISettings = UISettings(),
        newAfter: Int64? = nil,
        tail: Int? = nil
    ) -> [StyledLine] {
        guard width > 8 else { return [] }
        var lines: [StyledLine] = []
        if !timeline.loaded {
            return [StyledLine("Loading messages…", style: .dim, key: "top")]
        }
        var messages = timeline.messages[...]
        var lastDay: String?
        var markerDue = newAfter
        if let tail, tail < messages.count {
            messages = messages.suffix(tail)
            let before = timeline.messages[messages.startIndex - 1]
            lastDay = LocalTime.day(before.createdAt)
            // The new-messages line belongs above an earlier message, out of this range.
            if let after = newAfter, before.seq > after { markerDue = nil }
        } else if timeline.loadingOlder {
            lines.append(StyledLine("Loading older messages…", style: .dim, key: "top"))
        } else if timeline.hasOlder {
            lines.append(StyledLine("PgUp for older messages", style: .dim, key: "top"))
        } else {
            lines.append(StyledLine("── start of \(TerminalText.sanitize(timeline.group.name)) ──", style: .dim, key: "top"))
        }
        let clock = LocalTime.Clock(format: settings.timestampFormat)
        for message in messages {
            if let after = markerDue, message.seq > after {
                lines.append(StyledLine("── new " + String(repeating: "─", count: max(0, width - 7)), style: CellStyle(foreground: .red), key: "new"))
                markerDue = nil
            }
            let day = LocalTime.day(message.createdAt)
            if day != lastDay {
                if lastDay != nil || timeline.hasOlder == false { lines.append(StyledLine("── \(day) ──", style: .dim, key: "day:\(day)")) }
                lastDay = day
            }
            let mine = message.sender.id == me?.id
            let nameStyle = mine ? CellStyle(bold: true) : CellStyle(foreground: self.color(for: message.sender.id), bold: true)
            let highlighted = me.map { AppModel.mentions(message, of: $0) } ?? false
            let time = clock.string(message.createdAt)
            let key = StyledLine.messagePrefix + message.id
            let indent = String(repeating: " ", count: DisplayWidth.of(time) + 1)
            if let reply = message.replyTo {
                lines.append(self.replyLine(to: reply, in: timeline, indent: indent, width: width, key: key))
            }
            if message.deleted {
                lines.append(self.deletedLine(time: time, name: message.sender.displayName, key: key))
                continue
            }
            var wrapped = self.wrap(
                time: time,
                name: message.sender.displayName,
                nameStyle: highlighted ? CellStyle(foreground: settings.highlight, bold: true, reverse: true) : nameStyle,
                text: message.text,
                textStyle: highlighted ? CellStyle(foreground: settings.highlight, bold: true) : .plain,
                width: width,
                key: key
            )
            if message.editedAt != nil { self.markEdited(&wrapped, indent: indent, width: width, key: key) }
            lines += wrapped
            if !message.reactions.isEmpty { lines.append(self.reactionLine(message.reactions, me: me, indent: indent, key: key)) }
        }
        for outgoing in pending {
            let name = me?.displayName ?? "me"
            switch outgoing.status {
            case .queued, .sending:
                var wrapped = self.wrap(
                    time: clock.string(outgoing.createdAt),
                    name: name,
                    nameStyle: CellStyle(bold: true, dim: true),
                    text: outgoing.text,
                    textStyle: .dim,
                    width: width - 2,
                    key: "out:" + outgoing.clientId
                )
                wrapped[wrapped.count - 1].segments.append(.init(text: " ⋯", style: .dim))
                lines += wrapped
            case .failed(let reason):
                lines += self.wrap(
                    time: clock.string(outgoing.createdAt),
                    name: name,
                    nameStyle: CellStyle(foreground: .red, bold: true),
                    text: outgoing.text,
                    textStyle: CellStyle(foreground: .red),
                    width: width,
                    key: "out:" + outgoing.clientId
                )
                lines.append(StyledLine("      ✗ not sent: \(reason)", style: CellStyle(foreground: .red), key: "out:" + outgoing.clientId))
            }
        }
        return lines
    }

    /// `HH:MM Name: text`, wrapped with continuation lines indented under the name.
    private static func wrap(
        time: String,
        name: String,
        nameStyle: CellStyle,
        text: String,
        textStyle: CellStyle,
        width: Int,
        key: String
    ) -> [StyledLine] {
        let indent = DisplayWidth.of(time) + 1
        let name = TerminalText.sanitize(name)
        let body = TerminalText.sanitize(text)
        let wrapped = DisplayWidth.wrap(name + ": " + body, width: max(1, width - indent))
        var lines: [StyledLine] = []
        for (index, row) in wrapped.enumerated() {
            if index == 0 {
                var segments = [StyledLine.Segment(text: time + " ", style: .dim)]
                if row.hasPrefix(name) {
                    segments.append(.init(text: name, style: nameStyle))
                    segments.append(.init(text: String(row.dropFirst(name.count)), style: textStyle))
                } else {
                    segments.append(.init(text: row, style: nameStyle))
                }
                lines.append(StyledLine(segments, key: key))
            } else {
                lines.append(StyledLine([.init(text: String(repeating: " ", count: indent) + row, style: textStyle)], key: key))
            }
        }
        return lines
    }
}
