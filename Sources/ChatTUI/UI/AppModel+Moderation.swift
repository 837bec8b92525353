import ChatCore
import Foundation

/// Moderation on screen: `/leave`, `/kick`, `/ban`… on the group on screen, the members panel and the join
/// requests panel.
extension AppModel {
    /// A moderation command, or `nil` when `name` is none.
    mutating func moderationCommand(_ name: String, _ argument: String) -> [AppEffect]? {
        if name == "/requests" {
            guard let timeline = self.selectedTimeline else { return self.usage("/requests needs a group") }
            self.overlay = .busy("Loading the join requests of \(timeline.group.name)…")
            return [.loadRequests(groupId: timeline.id, groupName: timeline.group.name)]
        }
        guard let parsed = Moderation.parse(name, argument) else { return nil }
        switch parsed {
        case .failure(let usage):
            return self.usage(usage.description)
        case .success(let action):
            guard let timeline = self.selectedTimeline else { return self.usage("\(name) needs a group") }
            self.status = Status(text: "Asking the server…", isError: false)
            return [.moderate(action, group: timeline.group)]
        }
    }

    /// Keys while the requests panel is up: Up/Down select, a (or Enter) approves, d denies, Esc closes.
    mutating func requestsKey(_ key: Key, _ panel: RequestsPanel) -> [AppEffect] {
        var panel = panel
        switch key {
        case .escape, .character("q"):
            self.overlay = nil
            return []
        case .up, .wheelUp, .down, .wheelDown:
            panel.selected = Self.listSelection(after: key, from: panel.selected, count: panel.requests.count)
        case .character("a"), .character("d"), .enter:
            guard panel.requests.indices.contains(panel.selected) else { return [] }
            let request = panel.requests[panel.selected]
            let approve = key != .character("d")
            self.overlay = .busy("\(approve ? "Approving" : "Denying") \(request.user.displayName)…")
            return [.decide(groupId: panel.groupId, groupName: panel.groupName, requestId: request.id, approve: approve)]
        default:
            break
        }
        self.overlay = .requests(panel)
        return []
    }

    /// Where Up/Down (or the wheel) moves the selection of a list panel with `count` rows.
    static func listSelection(after key: Key, from selected: Int, count: Int) -> Int {
        switch key {
        case .up, .wheelUp: max(0, selected - 1)
        case .down, .wheelDown: min(max(0, count - 1), selected + 1)
        default: selected
        }
    }

    /// The members of `groupID` in the order the panel shows them: owner, admins, members; online first, then
    /// by name.
    func membersForPanel(of groupID: String) -> [(member: Member, presence: Presence?)] {
        let members = self.sync.groups[groupID]?.members ?? []
        let rank: (GroupRole) -> Int = { role in
            switch role {
            case .owner: 0
            case .admin: 1
            case .member: 2
            }
        }
        return members.map { ($0, self.sync.presence[$0.user.id]) }.sorted { left, right in
            if rank(left.member.role) != rank(right.member.role) { return rank(left.member.role) < rank(right.member.role) }
            let (leftOnline, rightOnline) = (left.presence?.status == .online, right.presence?.status == .online)
            if leftOnline != rightOnline { return leftOnline }
            return left.member.user.displayName.lowercased() < right.member.user.displayName.lowercased()
        }
    }
}
