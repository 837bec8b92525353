import Foundation

/// Membership changes: who joins, leaves or is removed, role changes, group settings, join requests.
extension SyncMachine {
    /// A membership change of the group, live or from the change feed; each one counts once.
    mutating func applyMembership(
        of userID: String,
        in groupID: String,
        member: Member?,
        removed: RemovalReason?,
        rev: Int64
    ) -> [SyncAction] {
        if userID == self.myID, let removed { return self.depart(groupID, reason: removed) }
        let me = self.myID
        return self.updating(groupID) { timeline, actions in
            let previous = timeline.membership[userID]
            if rev > 0, let previous, previous.rev >= rev { return }
            let present = member != nil
            if rev > 0 { timeline.membership[userID] = MembershipMark(rev: rev, present: present) }
            if let member {
                if let index = timeline.members?.firstIndex(where: { $0.user.id == userID }) {
                    timeline.members?[index] = member
                } else {
                    timeline.members?.append(member)
                    if previous?.present != true, userID != me || rev > 0 { timeline.group.memberCount += 1 }
                }
                if userID == me { timeline.group.role = member.role }
            } else {
                let known = timeline.members?.contains { $0.user.id == userID }
                timeline.members?.removeAll { $0.user.id == userID }
                if known != false, previous?.present != false { timeline.group.memberCount = max(1, timeline.group.memberCount - 1) }
            }
            if rev > 0 { Self.observe(rev, in: &timeline, actions: &actions) }
        }
    }

    /// The user is no longer in the group: it leaves the state, with the reason, and what waited to be sent to it
    /// is kept as failed.
    mutating func depart(_ groupID: String, reason: RemovalReason) -> [SyncAction] {
        guard let timeline = self.state.groups.removeValue(forKey: groupID) else { return [] }
        self.state.groupOrder.removeAll { $0 == groupID }
        if self.state.focused == groupID { self.state.focused = nil }
        self.state.joinRequests[groupID] = nil
        self.state.departures.append(Departure(group: timeline.group, reason: reason))
        let why: String =
            switch reason {
            case .left: "You left \"\(timeline.group.name)\"."
            case .kicked: "You were removed from \"\(timeline.group.name)\" by its admins."
            case .banned: "You were banned from \"\(timeline.group.name)\" by its admins."
            case .groupDeleted: "\"\(timeline.group.name)\" was deleted by its owner."
            }
        self.state.notice = why
        for index in self.state.outbox.indices where self.state.outbox[index].groupId == groupID {
            self.state.outbox[index].status = .failed(why)
        }
        return []
    }

    /// The group's settings, live or from the change feed.
    mutating func applyGroupInfo(_ info: GroupInfo, rev: Int64) -> [SyncAction] {
        self.updating(info.id) { timeline, actions in
            timeline.group.name = info.name
            timeline.group.invitePolicy = info.invitePolicy
            timeline.group.memberCount = info.memberCount
            Self.observe(rev, in: &timeline, actions: &actions)
        }
    }

    /// The membership part of a change-feed page (its messages are applied with them).
    mutating func applyMemberships(of page: ChangePage, in groupID: String) -> [SyncAction] {
        var actions: [SyncAction] = []
        if let info = page.group { actions += self.applyGroupInfo(info, rev: 0) }
        for change in page.members {
            actions += self.applyMembership(of: change.userId, in: groupID, member: change.member, removed: change.removed, rev: change.rev)
            if self.state.groups[groupID] == nil { break }
        }
        return actions
    }
}
