import ChatCore
import Foundation

/// How both backends read the change feed. Every change after `since` is one of:
/// - a message created after it and not changed since (its `rev` is its `created_rev`, and such revs follow
///   the `seq`s): messages created after `since` are the newest ones, at most `groupRev - since` of them, so
///   they are a short range of the primary key from ``lowestNewSeq(lastSeq:groupRev:since:)``;
/// - a message changed since its creation (`rev <> created_rev`, in the partial rev index);
/// - a membership changed (`memberships.rev`), or ended (a tombstone in `member_removals`);
/// - the group's settings (`groups.settings_rev`).
/// Each kind is read in `rev` order, `limit + 1` at most; merged, they give the page.
struct ChangeFeed {
    var newMessages: [Message] = []
    var changedMessages: [Message] = []
    var members: [MemberChange] = []
    var removals: [MemberChange] = []
    /// The group's settings, when they changed after `since`, with the rev of that change.
    var settings: (group: GroupInfo, rev: Int64)?

    /// No message created after `since` has a `seq` at or below this.
    static func lowestNewSeq(lastSeq: Int64, groupRev: Int64, since: Int64) -> Int64 {
        max(0, lastSeq - (groupRev - since))
    }

    private enum Item {
        case message(Message)
        case member(MemberChange)
        case group(GroupInfo, rev: Int64)

        var rev: Int64 {
            switch self {
            case .message(let message): message.rev
            case .member(let change): change.rev
            case .group(_, let rev): rev
            }
        }
    }

    /// The page, read after the group's `rev`: a last page reports that rev, since every change up to it was
    /// committed before the rows were read.
    func page(limit: Int, since: Int64, groupRev: Int64) -> ChangePage {
        var items: [Item] = self.newMessages.map(Item.message) + self.changedMessages.map(Item.message)
        items += (self.members + self.removals).map(Item.member)
        if let settings = self.settings { items.append(.group(settings.group, rev: settings.rev)) }
        items.sort { $0.rev < $1.rev }
        let hasMore = items.count > limit
        let taken = items.prefix(limit)
        var page = ChangePage(messages: [], members: [], group: nil, rev: since, hasMore: hasMore)
        for item in taken {
            switch item {
            case .message(let message): page.messages.append(message)
            case .member(let change): page.members.append(change)
            case .group(let group, _): page.group = group
            }
        }
        let newest = taken.last?.rev ?? since
        page.rev = hasMore ? newest : max(newest, groupRev)
        return page
    }
}
