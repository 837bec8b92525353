import ChatCore
import Foundation

/// Everything the server stores, behind one protocol with an implementation per backend.
///
/// Writes are transactions that keep the invariants: `seq` is gapless per group, invite uses never pass their
/// limit, and a `clientId` is used once per sender. Implementations hand committed changes to their
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
