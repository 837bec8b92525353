import ChatCore
import Foundation

/// Everything the server stores, behind one protocol with an implementation per backend.
///
/// Writes are transactions that keep the invariants: `seq` is gapless per group, every change of a group takes
/// its next `rev` (gapless too) in the transaction that makes it, invite uses never pass their limit, and a
/// `clientId` is used once per sender. Implementations hand committed changes to their
/// ``ChatEventSink`` in commit order. Domain failures are thrown as ``ChatError``.
public protocol ChatRepository: Sendable {
    /// Stores a new user. Throws `email_taken` when another account has the same email, whatever its case.
    func insertUser(_ user: User, passwordHash: String?) async throws
    /// The user with this id, if any.
    func user(id: String) async throws -> User?
    /// The account registered with this email (compared without case), with its password hash.
    func credentials(email: String) async throws -> StoredCredentials?

    /// Creates a group with `owner` as its only member and owner, and announces it as `member:joined`.
    func createGroup(id: String, name: String, owner: String, at date: Date) async throws -> Group
    /// The user's groups, most recently active first.
    func groups(of userID: String) async throws -> [Group]
    /// The group as `userID` sees it, or `nil` when it does not exist or the user is not a member.
    func group(id: String, as userID: String) async throws -> Group?
    /// The user's role in the group, or `nil` when they are not a member.
    func role(of userID: String, in groupID: String) async throws -> GroupRole?
    /// The group's members, oldest first.
    func members(of groupID: String) async throws -> [Member]

    /// Stores a new invite; its token is kept only as a hash.
    func insertInvite(_ invite: NewInvite) async throws
    /// The invites of a group that can still be used at `date`.
    func liveInvites(of groupID: String, at date: Date) async throws -> [InviteSummary]
    /// Revokes an invite of the group. Returns `false` when there is no such invite.
    func revokeInvite(id: String, of groupID: String, at date: Date) async throws -> Bool
    /// What an invite leads to, without using it; `nil` for an unknown token.
    func invitePreview(tokenHash: [UInt8]) async throws -> InvitePreview?
    /// Joins `userID` to the invite's group, consuming one use atomically. Throws `invite_not_found`,
    /// `invite_expired` or `invite_used_up`; a caller who is already a member consumes nothing.
    func acceptInvite(tokenHash: [UInt8], userID: String, at date: Date) async throws -> InviteAcceptance

    /// Appends a message with the group's next `seq` in the same transaction. Throws `group_not_found` when
    /// the sender is not a member. A repeated `clientId` from the same sender returns the original message.
    func appendMessage(_ draft: MessageDraft) async throws -> MessageAppend
    /// Whether `submitMessage` queues messages in the order of the calls, so that a caller may queue the next
    /// before the previous is durable and still get increasing `seq`s.
    var queuesWritesInOrder: Bool { get }
    /// Starts `appendMessage` and returns at once; in call order when `queuesWritesInOrder`.
    func submitMessage(_ draft: MessageDraft) -> PendingWrite<MessageAppend>
    /// Delivers an event that is not stored (typing) to every instance's sockets.
    func broadcast(_ event: ChatEvent) async throws
    /// Up to `limit` messages with `seq < before` (or the newest when `before` is nil), in ascending `seq`.
    func messages(in groupID: String, before: Int64?, limit: Int) async throws -> [Message]
    /// Up to `limit` messages with `seq > after`, in ascending `seq`.
    func messages(in groupID: String, after: Int64, limit: Int) async throws -> [Message]
    /// The message with this `seq`, as it is now.
    func message(in groupID: String, seq: Int64) async throws -> Message?

    // MARK: The change feed and the message lifecycle

    /// What changed in the group after `since`: up to `limit` messages as they are now, in ascending `rev`.
    /// Throws `rev_ahead` when `since` is beyond the group's newest rev.
    func changes(in groupID: String, since: Int64, limit: Int) async throws -> ChangePage
    /// Replaces a message's text, taking the group's next rev. Only its author may (`not_author`), not on a
    /// deleted message (`message_deleted`); a non-member or an unknown message gets `message_not_found`.
    /// Unchanged text changes nothing.
    func editMessage(_ edit: MessageEdit) async throws -> MessageChange
    /// Makes a message a tombstone (text erased, reactions cleared), taking the group's next rev. Its author,
    /// or the group's owner and admins, may (`not_allowed`). Deleting a deleted message changes nothing.
    func deleteMessage(_ deletion: MessageDeletion) async throws -> MessageChange
    /// Adds (`present`) or removes the user's reaction, taking the group's next rev when it changes anything.
    /// Throws `message_deleted` on a tombstone, `too_many_reactions` past 20 distinct emoji.
    func setReaction(_ reaction: ReactionChange) async throws -> MessageChange
    /// Moves the user's read marker forward to `seq` (never back). Returns the marker if it moved, `nil` if not.
    /// Throws `seq_out_of_range` beyond the group's newest message.
    func markRead(groupID: String, userID: String, seq: Int64) async throws -> Int64?
    /// One page of the group's members with their presence at `date`, oldest membership first, after `cursor`.
    func members(of groupID: String, after cursor: MemberCursor?, limit: Int, at date: Date) async throws -> [MemberPresence]

    // MARK: Presence

    /// Records that the user has a connection on `instance` until `expiresAt` (renewed by heartbeats).
    /// Returns the change to announce when they were offline everywhere before.
    func presenceOnline(userID: String, instance: String, at date: Date, expiresAt: Date) async throws -> PresenceUpdate?
    /// Records that the user has no connection left on `instance`. Returns the change to announce when they
    /// now have none anywhere; `lastSeenAt` is `date`.
    func presenceOffline(userID: String, instance: String, at date: Date) async throws -> PresenceUpdate?
    /// Marks `instance`'s users as seen at `date` and extends their presence to `expiresAt`; returns how many
    /// users it holds.
    func renewPresence(instance: String, at date: Date, until expiresAt: Date) async throws -> Int
    /// Removes the presence that expired by `date` (an instance that stopped without saying so), and returns
    /// the users who are now offline everywhere, last seen at their last renewal.
    func expirePresence(at date: Date) async throws -> [PresenceUpdate]
    /// The ids of the groups the user belongs to.
    func groupIDs(of userID: String) async throws -> [String]
}

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

    /// The group, as the accepting user now sees it.
    public var group: Group {
        switch self {
        case .joined(let group), .alreadyMember(let group): group
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

extension ChatRepository {
    public var queuesWritesInOrder: Bool { false }

    public func submitMessage(_ draft: MessageDraft) -> PendingWrite<MessageAppend> {
        .running { try await self.appendMessage(draft) }
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

/// How both backends read the change feed. Every change after `since` is either a message created after it and
/// not changed since (its `rev` is its `created_rev`, and such revs follow the `seq`s), or a message changed since
/// its creation (`rev <> created_rev`, in the rev index). Each kind is read in `rev` order, `limit + 1` at most;
/// merged, they give the page. Messages created after `since` are the newest ones, at most `groupRev - since`
/// of them, so the first kind is a short range of the primary key from ``lowestNewSeq(lastSeq:groupRev:since:)``.
extension ChangePage {
    /// No message created after `since` has a `seq` at or below this.
    static func lowestNewSeq(lastSeq: Int64, groupRev: Int64, since: Int64) -> Int64 {
        max(0, lastSeq - (groupRev - since))
    }

    /// The page from both kinds of change (each in ascending `rev`), read after the group's `rev`: a last page
    /// reports that rev, since every change up to it was committed before the rows were read.
    init(newMessages: [Message], changedMessages: [Message], limit: Int, since: Int64, groupRev: Int64) {
        var merged: [Message] = []
        merged.reserveCapacity(min(limit + 1, newMessages.count + changedMessages.count))
        var (new, changed) = (newMessages[...], changedMessages[...])
        while merged.count <= limit, let next = [new.first, changed.first].compactMap({ $0 }).min(by: { $0.rev < $1.rev }) {
            if next.rev == new.first?.rev { new.removeFirst() } else { changed.removeFirst() }
            merged.append(next)
        }
        let hasMore = merged.count > limit
        let messages = hasMore ? Array(merged.prefix(limit)) : merged
        let newest = messages.last?.rev ?? since
        self.init(messages: messages, rev: hasMore ? newest : max(newest, groupRev), hasMore: hasMore)
    }
}
