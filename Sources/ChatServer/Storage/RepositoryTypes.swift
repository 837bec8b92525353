import ChatCore
import Foundation

/// An edit about to be stored.
public struct MessageEdit: Sendable {
    public var groupID: String
    public var messageID: String
    public var editorID: String
    public var text: String
    public var at: Date
}

/// A deletion about to be stored.
public struct MessageDeletion: Sendable {
    public var groupID: String
    public var messageID: String
    public var userID: String
    public var at: Date
}

/// A reaction added or removed.
public struct ReactionChange: Sendable {
    public var groupID: String
    public var messageID: String
    public var userID: String
    public var emoji: String
    /// Whether the user's reaction should be there afterwards.
    public var present: Bool
}

/// What a lifecycle write did: the message as it now is, and whether the write changed it (took a rev).
public struct MessageChange: Sendable, Hashable {
    public var message: Message
    public var changed: Bool
}

/// Where a page of members ends: the membership's join time and user id.
public struct MemberCursor: Sendable, Hashable {
    public var joinedAt: Int64
    public var userID: String
}

/// A presence change to announce to the user's co-members, in the groups listed.
public struct PresenceUpdate: Sendable, Hashable {
    public var userID: String
    public var status: Presence.Status
    public var lastSeenAt: Date?
    public var groupIDs: [String]
}

/// An account's stored sign-in data.
public struct StoredCredentials: Sendable {
    public var user: User
    public var passwordHash: String
    /// The account's token version, which its new tokens carry.
    public var tokenVersion: Int64 = 0
    /// The operator disabled the account: it may not sign in.
    public var disabled = false
}

/// An invite about to be stored.
public struct NewInvite: Sendable {
    public var id: String
    public var tokenHash: [UInt8]
    public var groupID: String
    public var createdBy: String
    public var createdAt: Date
    public var expiresAt: Date
    public var maxUses: Int
    public var requireApproval: Bool = false
}

/// An invite as its landing page shows it.
public struct InvitePreview: Sendable, Hashable {
    public var groupName: String
    public var memberCount: Int
    public var expiresAt: Date
    public var maxUses: Int
    public var uses: Int
    public var revoked: Bool
}

/// What accepting an invite did.
public enum InviteAcceptance: Sendable, Hashable {
    /// The user joined the group, and one use was consumed.
    case joined(Group)
    /// The user was a member already; nothing changed.
    case alreadyMember(Group)
    /// The invite needs approval: the user's request (a new one, or the one already pending).
    case requested(JoinRequest)

    /// The group, as the accepting user now sees it, when they are a member.
    public var group: Group? {
        switch self {
        case .joined(let group), .alreadyMember(let group): group
        case .requested: nil
        }
    }
}

/// A message about to be stored; the repository assigns its `seq`.
public struct MessageDraft: Sendable {
    public var id: String
    public var groupID: String
    public var senderID: String
    public var text: String
    public var clientID: String?
    public var createdAt: Date
    /// The id of the message of the same group that this one answers; `invalid_reply_to` otherwise.
    public var replyTo: String?

    public init(id: String, groupID: String, senderID: String, text: String, clientID: String?, createdAt: Date, replyTo: String? = nil) {
        self.id = id
        self.groupID = groupID
        self.senderID = senderID
        self.text = text
        self.clientID = clientID
        self.createdAt = createdAt
        self.replyTo = replyTo
    }
}

/// What appending a message did.
public enum MessageAppend: Sendable, Hashable {
    /// A new message, now durable.
    case created(Message)
    /// The sender's earlier message with the same `clientId`; nothing was stored.
    case replayed(Message)

    /// The stored message.
    public var message: Message {
        switch self {
        case .created(let message), .replayed(let message): message
        }
    }
}

/// A membership change that an owner or admin (or, leaving, the member) makes.
public enum ModerationChange: Sendable, Hashable {
    /// The actor leaves.
    case leave
    /// The actor leaves for good, their account being deleted: an owner's group passes to its longest-standing
    /// admin, else its longest-standing member, and a group left with no one is deleted.
    case resign
    case kick(userID: String)
    case ban(userID: String, reason: String?)
    case unban(userID: String)
    case setRole(userID: String, role: GroupRole)
    case transfer(userID: String)
    /// `retentionDays`: `nil` leaves it, `.some(nil)` clears it (the server's applies).
    case update(name: String?, invitePolicy: InvitePolicy?, retentionDays: Int?? = nil)
    case delete
    case approve(requestID: String)
    case deny(requestID: String)
}

/// What a membership change did.
public enum ModerationOutcome: Sendable, Hashable {
    /// Done; nothing to report.
    case done
    /// The group was deleted (deleted outright, or its last member left).
    case groupDeleted
    /// The group's settings, as the actor now sees the group.
    case updated(Group)
    /// A join request, decided.
    case decided(JoinRequest)
}

/// Where a search page ends, in the backend's newest-first order: `key` is the search index's key of the message
/// on SQLite, its creation time on PostgreSQL; the group and `seq` break ties.
public struct SearchCursor: Sendable, Hashable {
    public var key: Int64
    public var groupID: String
    public var seq: Int64
}

/// A message that a search found, and the cursor that pages past it.
public struct SearchResult: Sendable, Hashable {
    public var message: Message
    public var cursor: SearchCursor
}

/// A group whose messages expire after `days`.
public struct GroupRetention: Sendable, Hashable {
    public var groupID: String
    public var days: Int

    /// The retention of a group with its own (`group`) and the server's (`server`): the shorter one, if any.
    static func effective(group: Int?, server: Int?) -> Int? {
        switch (group, server) {
        case (let group?, let server?): min(group, server)
        case (let days?, nil), (nil, let days?): days
        case (nil, nil): nil
        }
    }
}

/// The messages a purge may erase, among a group's oldest (ascending `seq`): the run of those created before
/// `cutoff`, from the first, as a `seq` range. A message kept stops the run, so history stays one unbroken range.
enum PurgeRange {
    static func expired(_ oldest: [(seq: Int64, createdAt: Int64)], before cutoff: Date) -> ClosedRange<Int64>? {
        let limit = Timestamp.milliseconds(cutoff)
        let run = oldest.prefix { $0.createdAt < limit }
        guard let first = run.first, let last = run.last else { return nil }
        return first.seq...last.seq
    }
}
