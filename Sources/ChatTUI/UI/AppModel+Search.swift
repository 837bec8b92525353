import ChatCore
import Foundation

/// `/search TEXT`: the server's hits in a panel, the matches highlighted; Enter jumps to the message, loading
/// older history until it is there.
extension AppModel {
    mutating func searchCommand(_ argument: String) -> [AppEffect] {
        guard !argument.isEmpty else { return self.usage("/search TEXT (words, \"a phrase\", -left-out, pre*)") }
        self.overlay = .busy("Searching for \(argument)…")
        return [.search(query: argument)]
    }

    /// Keys while the results are up: Up/Down select, Enter jumps, Esc closes.
    mutating func searchKey(_ key: Key, _ panel: SearchPanel) -> [AppEffect] {
        var panel = panel
        switch key {
        case .escape, .character("q"):
            self.overlay = nil
            return []
        case .up, .wheelUp, .down, .wheelDown:
            panel.selected = Self.listSelection(after: key, from: panel.selected, count: panel.hits.count)
        case .enter:
            guard panel.hits.indices.contains(panel.selected) else { return [] }
            let message = panel.hits[panel.selected].message
            self.overlay = nil
            guard self.sync.groups[message.groupId] != nil else {
                self.status = Status(text: "You are no longer in that group.", isError: true)
                return []
            }
            self.jump = (message.groupId, message.seq)
            return self.select(message.groupId) + self.continueJump()
        default:
            break
        }
        self.overlay = .search(panel)
        return []
    }

    /// Brings the message of a search hit into view and selects it once it is loaded; until then, loads older
    /// pages of its group.
    mutating func continueJump() -> [AppEffect] {
        guard let jump = self.jump else { return [] }
        guard self.selected == jump.groupId, let timeline = self.sync.groups[jump.groupId], timeline.loaded else { return [] }
        if let message = timeline.messages.first(where: { $0.seq == jump.seq }) {
            self.jump = nil
            self.selection = message.id
            self.scroll[jump.groupId] = ScrollAnchor(key: StyledLine.messagePrefix + message.id, line: 0)
            return []
        }
        guard let oldest = timeline.messages.first?.seq, jump.seq < oldest, timeline.hasOlder else {
            self.jump = nil
            self.status = Status(text: "That message is no longer there.", isError: true)
            return []
        }
        self.status = Status(text: "Loading older messages to reach #\(jump.seq)…", isError: false)
        return timeline.loadingOlder ? [] : [.loadOlder(groupId: jump.groupId)]
    }
}

/// The `/search` results: the hits, newest first, one of them selected.
public struct SearchPanel: Sendable, Hashable {
    public var query: String
    public var hits: [SearchHit]
    /// More hits exist beyond these (the panel shows the first page).
    public var more: Bool
    /// The server could not be reached: the hits come from the messages cached here.
    public var offline: Bool
    public var selected = 0

    public init(query: String, hits: [SearchHit], more: Bool, offline: Bool = false) {
        self.query = query
        self.hits = hits
        self.more = more
        self.offline = offline
    }
}
