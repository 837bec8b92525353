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

    // MARK: Sessions and account deletion

    /// The account's token version and whether it was deleted; `nil` for an unknown id.
    func sessionState(of userID: String) async throws -> SessionVersions.State?
    /// Raises the account's token version, which ends every token issued before, and stores `passwordHash` when
    /// given, in one transaction announced as `sessionsEnded`. Returns the new version. Throws `invalid_token`
    /// for an unknown or deleted account.
    func endSessions(of userID: String, passwordHash: String?) async throws -> Int64
    /// Marks the account deleted, in one transaction announced as `sessionsEnded`: its name, email and password
    /// are erased (its id stays, for the messages that name it), every token ends, its presence and pending join
    /// requests go, and the invites it made are revoked. Its groups and messages are left to ``eraseMessages``
    /// and ``moderate(_:in:by:at:)`` with `.resign`. Throws `invalid_token` for an unknown or deleted account.
    /// Disables (or enables again) an account: every token ends at once, on every instance. False when the account
    /// does not exist, is deleted, or is already in that state.
    func setDisabled(_ userID: String, _ disabled: Bool, at date: Date) async throws -> Bool
    func closeAccount(_ userID: String, at date: Date) async throws
    /// The groups where a deleted account still has a membership, or a message that is not a tombstone.
    func accountRemnants(of userID: String) async throws -> [String]
    /// Makes up to `limit` of the user's messages in the group tombstones (text erased, reactions cleared), each
    /// taking the group's next rev, in one short transaction; returns how many.
    func eraseMessages(of userID: String, in groupID: String, at date: Date, limit: Int) async throws -> Int
    /// Up to `limit` deleted accounts with remnants left: deletions cut short by a stop, to finish.
    func unfinishedAccountDeletions(limit: Int) async throws -> [String]

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

    /// Stores a new invite of its creator's; its token is kept only as a hash. Throws `group_not_found` for a
    /// non-member, and `invites_admins_only` when the group lets only its owner and admins invite.
    func insertInvite(_ invite: NewInvite) async throws
    /// How many groups the user owns.
    func ownedGroupCount(of userID: String) async throws -> Int
    /// How many invites the user made that can still be used at `date` (in any group).
    func liveInviteCount(by userID: String, at date: Date) async throws -> Int
    /// The invites of a group that can still be used at `date`, each with the members who joined through it.
    func liveInvites(of groupID: String, at date: Date) async throws -> [InviteSummary]
    /// Revokes an invite of the group. Returns `false` when there is no such invite.
    func revokeInvite(id: String, of groupID: String, at date: Date) async throws -> Bool
    /// What an invite leads to, without using it; `nil` for an unknown token.
    func invitePreview(tokenHash: [UInt8]) async throws -> InvitePreview?
    /// Joins `userID` to the invite's group, consuming one use atomically, or (for an invite that needs approval)
    /// asks to join, which consumes one use too; asking again while a request is pending returns it. Throws
    /// `invite_not_found`, `invite_expired`, `invite_used_up` or `banned`; a member consumes nothing.
    func acceptInvite(tokenHash: [UInt8], userID: String, at date: Date) async throws -> InviteAcceptance

    // MARK: Membership and moderation

    /// Applies one membership change by `actorID`, with the rules of ``ModerationRules`` checked inside its
    /// transaction; each change takes the group's next `rev` (a transfer two, one per membership).
    func moderate(_ change: ModerationChange, in groupID: String, by actorID: String, at date: Date) async throws -> ModerationOutcome
    /// The group's bans, newest first.
    func bans(of groupID: String) async throws -> [Ban]
    /// The group's pending join requests whose invite is still usable at `date`, oldest first.
    func joinRequests(of groupID: String, at date: Date) async throws -> [JoinRequest]

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

    // MARK: Search
    /// Up to `limit` live messages of the user's groups (of `groupID` alone if given) that match `query`, newest
    /// first, older than `cursor`. `query` can match (it has a required term).
    func search(_ query: SearchQuery, userID: String, groupID: String?, before cursor: SearchCursor?, limit: Int) async throws -> [SearchResult]

    // MARK: Retention
    /// The groups whose messages expire, each with its retention: the shorter of its own and `serverDays`.
    func retentionPolicies(serverDays: Int?) async throws -> [GroupRetention]
    /// Erases up to `limit` of the group's oldest messages, those created before `cutoff`, with their reactions and
    /// search entries, in one short transaction; returns how many. `seq`, `rev` and the rest stay as they are.
    func purgeMessages(in groupID: String, before cutoff: Date, limit: Int) async throws -> Int
    /// The `seq` of the group's oldest message still kept, or `nil` when it keeps none.
    func oldestSeq(in groupID: String) async throws -> Int64?
}

extension ChatRepository {
    public var queuesWritesInOrder: Bool { false }

    public func submitMessage(_ draft: MessageDraft) -> PendingWrite<MessageAppend> {
        .running { try await self.appendMessage(draft) }
    }
}
