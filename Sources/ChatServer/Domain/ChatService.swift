import ChatCore
import Foundation
import Logging

/// The rules of the chat, shared by the REST controllers and the WebSocket: validation, authorization,
/// and the calls into storage. Both edges therefore behave the same for the same input.
public struct ChatService: Sendable {
    let repository: any ChatRepository
    let tokens: TokenService
    let passwords: PasswordHasher
    let hub: RealtimeHub
    let clock: WallClock
    let rateLimits: RateLimits
    let metrics: ServerMetrics
    /// The base of invite URLs, without a trailing slash.
    let publicBase: PublicURL
    /// `RETENTION_DAYS`: the server's retention, which a group may only shorten; `nil` keeps messages forever.
    var retentionDays: Int? = nil
    /// The most groups one user may own, and live invites one user may have made (0: no limit).
    var maxOwnedGroups = 0
    var maxLiveInvites = 0

    var publicURL: String { self.publicBase.value }

    // MARK: Accounts

    /// Refuses sign-ins from an address, or for an account, that tried too often (429). An email is validated
    /// first (400) and counted in the one form that login and registration use, so that `a@x.org`, `A@x.org ` and
    /// `\na@x.org` share a bucket, and junk never reaches the limiter.
    func checkAuthRate(address: String, email: String?) throws {
        let key = try email.map { Validation.emailKey(try Validation.email($0)) }
        try RateLimits.enforce(self.rateLimits.authPerAddress, address, what: "sign-in attempts from this address")
        if let key {
            try RateLimits.enforce(self.rateLimits.authPerAccount, key, what: "sign-in attempts for this account")
        }
    }

    /// Creates a guest user and signs them in.
    func registerGuest(displayName: String?) async throws -> AuthResponse {
        let name = try displayName.map(Validation.displayName) ?? Self.randomGuestName()
        let now = self.clock.now()
        let user = User(id: UUIDv7.make(at: now), displayName: name, email: nil, isGuest: true, createdAt: now)
        try await self.repository.insertUser(user, passwordHash: nil)
        return AuthResponse(token: try await self.tokens.issue(for: user.id), user: user)
    }

    /// Creates an account with an email and a password, and signs it in.
    func register(_ request: RegisterRequest) async throws -> AuthResponse {
        let email = try Validation.email(request.email)
        try Validation.newPassword(request.password)
        let name = try Validation.displayName(request.displayName)
        if try await self.repository.credentials(email: email) != nil { throw ChatError.emailTaken }
        let hash = try await self.passwords.hash(request.password)
        let now = self.clock.now()
        let user = User(id: UUIDv7.make(at: now), displayName: name, email: email, isGuest: false, createdAt: now)
        try await self.repository.insertUser(user, passwordHash: hash)
        return AuthResponse(token: try await self.tokens.issue(for: user.id), user: user)
    }

    /// Signs an account in. Every failure looks the same, and takes as long, whether the email exists or not.
    func login(_ request: LoginRequest) async throws -> AuthResponse {
        // Input no account can have is a 400 before anything is looked up, so it tells nothing about accounts.
        let email = try Validation.email(request.email)
        guard request.password.utf8.count <= Validation.loginPasswordMaxBytes else {
            throw ChatError.invalid("password_too_long", "password may be at most \(Validation.loginPasswordMaxBytes) bytes.")
        }
        let credentials = try await self.repository.credentials(email: email)
        guard let credentials, request.password.utf8.count <= Validation.passwordMaxBytes else {
            try await self.passwords.verifyDecoy(request.password)
            throw ChatError.invalidCredentials
        }
        guard try await self.passwords.verify(request.password, against: credentials.passwordHash) else { throw ChatError.invalidCredentials }
        // Told only to whoever knows the password, so it reveals nothing to others.
        guard !credentials.disabled else { throw ChatError.accountDisabled }
        return AuthResponse(
            token: try await self.tokens.issue(for: credentials.user.id, version: credentials.tokenVersion),
            user: credentials.user
        )
    }

    /// The signed-in user. A token whose user no longer exists is refused like a bad token.
    func me(_ userID: String) async throws -> User {
        guard let user = try await self.repository.user(id: userID) else { throw ChatError.invalidToken }
        return user
    }

    // MARK: Groups

    /// Creates a group owned by `userID`.
    func createGroup(name: String, by userID: String) async throws -> Group {
        let name = try Validation.groupName(name)
        try RateLimits.enforce(self.rateLimits.groupsPerUser, userID, what: "new groups")
        if self.maxOwnedGroups > 0, try await self.repository.ownedGroupCount(of: userID) >= self.maxOwnedGroups {
            throw ChatError.forbidden(
                "too_many_groups",
                "You own \(self.maxOwnedGroups) groups, the most allowed: delete one or pass its ownership on first."
            )
        }
        let now = self.clock.now()
        return try await self.repository.createGroup(id: UUIDv7.make(at: now), name: name, owner: userID, at: now)
    }

    /// The user's groups, most recently active first.
    func groups(of userID: String) async throws -> [Group] {
        try await self.repository.groups(of: userID)
    }

    /// The ids of the user's groups, without reading their counts.
    func groupIDs(of userID: String) async throws -> [String] {
        try await self.repository.groupIDs(of: userID)
    }

    /// A group with its members; 404 for a non-member.
    func groupDetail(id: String, as userID: String) async throws -> GroupDetail {
        let group = try await self.memberGroup(id: id, as: userID)
        let oldest = try await self.repository.oldestSeq(in: id) ?? group.lastSeq + 1
        return GroupDetail(group: group, members: try await self.repository.members(of: id), oldestSeq: oldest)
    }

    // MARK: Invites

    /// Creates an invite: any member may, unless the group's policy leaves it to its owner and admins.
    func createInvite(groupID: String, request: CreateInviteRequest, by userID: String) async throws -> Invite {
        let hours = try Validation.inviteHours(request.expiresInHours)
        let uses = try Validation.inviteUses(request.uses)
        let approval = request.requireApproval ?? false
        let now = self.clock.now()
        try RateLimits.enforce(self.rateLimits.invitesPerUser, userID, what: "new invites")
        if self.maxLiveInvites > 0, try await self.repository.liveInviteCount(by: userID, at: now) >= self.maxLiveInvites {
            throw ChatError.forbidden(
                "too_many_invites",
                "You have \(self.maxLiveInvites) live invites, the most allowed: revoke some, or wait for them to expire or be used."
            )
        }
        let token = InviteToken.generate()
        // A lifetime of a split second still ends after the invite's creation, at the store's millisecond grain.
        let expiry = max(Timestamp.truncated(now.addingTimeInterval(hours * 3600)), now.addingTimeInterval(0.001))
        let invite = NewInvite(
            id: UUIDv7.make(at: now),
            tokenHash: token.hash,
            groupID: groupID,
            createdBy: userID,
            createdAt: now,
            expiresAt: expiry,
            maxUses: uses,
            requireApproval: approval
        )
        try await self.repository.insertInvite(invite)
        return Invite(
            id: invite.id,
            token: token.value,
            groupId: groupID,
            url: InviteLink.url(base: self.publicURL, token: token.value),
            expiresAt: expiry,
            maxUses: uses,
            uses: 0,
            createdAt: now,
            requireApproval: approval
        )
    }

    /// The group's usable invites, for its owner and admins.
    func liveInvites(groupID: String, as userID: String) async throws -> [InviteSummary] {
        try await self.requireInviteManager(groupID: groupID, userID: userID)
        return try await self.repository.liveInvites(of: groupID, at: self.clock.now())
    }

    /// Revokes an invite, for the group's owner and admins.
    func revokeInvite(id: String, groupID: String, as userID: String) async throws {
        try await self.requireInviteManager(groupID: groupID, userID: userID)
        guard try await self.repository.revokeInvite(id: id, of: groupID, at: self.clock.now()) else { throw ChatError.inviteNotFound }
    }

    /// Joins the group of the invite whose token (or URL) is `presented`, or asks to, when it needs approval.
    func acceptInvite(_ presented: String, by userID: String) async throws -> InviteAcceptance {
        let token = InviteLink.token(from: presented)
        guard !token.isEmpty, token.utf8.count <= 256 else { throw ChatError.inviteNotFound }
        return try await self.repository.acceptInvite(tokenHash: InviteToken.hash(token), userID: userID, at: self.clock.now())
    }

    /// What an invite leads to, for its landing page: the preview, or why it cannot be used.
    func invitePreview(_ presented: String) async throws -> Result<InvitePreview, ChatError> {
        let token = InviteLink.token(from: presented)
        guard !token.isEmpty, token.utf8.count <= 256,
            let preview = try await self.repository.invitePreview(tokenHash: InviteToken.hash(token)), !preview.revoked
        else { return .failure(.inviteNotFound) }
        if preview.expiresAt <= self.clock.now() { return .failure(.inviteExpired) }
        if preview.uses >= preview.maxUses { return .failure(.inviteUsedUp) }
        return .success(preview)
    }

    /// The current time, as the service sees it.
    var now: Date { self.clock.now() }

    // MARK: Messages

    /// Stores a message and fans it out; a repeated `clientId` returns the original.
    func sendMessage(groupID: String, text: String, clientID: String?, replyTo: String? = nil, from userID: String) async throws -> MessageAppend {
        try await self.finish(self.submitMessage(groupID: groupID, text: text, clientID: clientID, replyTo: replyTo, from: userID))
    }

    /// The first half of `sendMessage`: checks the limits and the input, and queues the message (in call order
    /// when `queuesMessagesInOrder`) without waiting for it to be durable; `finish` waits.
    func submitMessage(
        groupID: String,
        text: String,
        clientID: String?,
        replyTo: String? = nil,
        from userID: String
    ) throws -> PendingWrite<MessageAppend> {
        try RateLimits.enforce(self.rateLimits.messagesPerUser, userID, what: "messages")
        let text = try Validation.messageText(text)
        let clientID = try Validation.clientID(clientID)
        let now = self.clock.now()
        let draft = MessageDraft(
            id: UUIDv7.make(at: now),
            groupID: groupID,
            senderID: userID,
            text: text,
            clientID: clientID,
            createdAt: now,
            replyTo: replyTo
        )
        return self.repository.submitMessage(draft)
    }

    /// The second half of `sendMessage`: the message once durable.
    func finish(_ pending: PendingWrite<MessageAppend>) async throws -> MessageAppend {
        let result = try await pending.value
        if case .created = result { self.metrics.messageStored() }
        return result
    }

    /// Whether messages submitted one after another are stored in that order without waiting in between.
    var queuesMessagesInOrder: Bool { self.repository.queuesWritesInOrder }

    /// One page of a group's history.
    func messages(groupID: String, query: MessageQuery, as userID: String) async throws -> MessagePage {
        guard try await self.repository.role(of: userID, in: groupID) != nil else { throw ChatError.groupNotFound }
        switch query {
        case .before(let cursor, let limit):
            var messages = try await self.repository.messages(in: groupID, before: cursor, limit: limit + 1)
            let hasMore = messages.count > limit
            if hasMore { messages.removeFirst() }
            return MessagePage(messages: messages, nextCursor: hasMore ? messages.first.map { MessageCursor.encode($0.seq) } : nil, hasMore: hasMore)
        case .after(let seq, let limit):
            var messages = try await self.repository.messages(in: groupID, after: seq, limit: limit + 1)
            let hasMore = messages.count > limit
            if hasMore { messages.removeLast() }
            return MessagePage(messages: messages, nextCursor: nil, hasMore: hasMore)
        }
    }

    // MARK: The message lifecycle

    /// Replaces a message's text; its author only.
    func editMessage(groupID: String, messageID: String, text: String, by userID: String) async throws -> Message {
        try RateLimits.enforce(self.rateLimits.messagesPerUser, userID, what: "messages")
        let text = try Validation.messageText(text)
        let edit = MessageEdit(groupID: groupID, messageID: messageID, editorID: userID, text: text, at: self.clock.now())
        return try await self.repository.editMessage(edit).message
    }

    /// Deletes a message (a tombstone stays); its author, or the group's owner and admins.
    func deleteMessage(groupID: String, messageID: String, by userID: String) async throws {
        try RateLimits.enforce(self.rateLimits.messagesPerUser, userID, what: "messages")
        _ = try await self.repository.deleteMessage(MessageDeletion(groupID: groupID, messageID: messageID, userID: userID, at: self.clock.now()))
    }

    /// Adds (`present`) or removes the user's reaction with `emoji`, given as its percent-encoded path segment.
    func react(groupID: String, messageID: String, emoji: String, present: Bool, by userID: String) async throws -> Message {
        let emoji = try Validation.emoji(emoji)
        try RateLimits.enforce(self.rateLimits.messagesPerUser, userID, what: "messages")
        let change = ReactionChange(groupID: groupID, messageID: messageID, userID: userID, emoji: emoji, present: present)
        return try await self.repository.setReaction(change).message
    }

    /// Moves the user's read marker forward to `seq`; the user's connections hear of it.
    func markRead(groupID: String, seq: Int64, by userID: String) async throws {
        guard seq >= 0 else { throw ChatError.invalid("invalid_seq", "seq must be an integer of 0 or more.") }
        _ = try await self.repository.markRead(groupID: groupID, userID: userID, seq: seq)
    }

    /// What changed in a group after `since`, for a member.
    func changes(groupID: String, since: Int64, limit: Int, as userID: String) async throws -> ChangePage {
        guard try await self.repository.role(of: userID, in: groupID) != nil else { throw ChatError.groupNotFound }
        return try await self.repository.changes(in: groupID, since: since, limit: limit)
    }

    /// One page of a group's members with their presence, for a member.
    func members(groupID: String, cursor: MemberCursor?, limit: Int, as userID: String) async throws -> MemberPage {
        guard try await self.repository.role(of: userID, in: groupID) != nil else { throw ChatError.groupNotFound }
        var members = try await self.repository.members(of: groupID, after: cursor, limit: limit + 1, at: self.clock.now())
        let hasMore = members.count > limit
        if hasMore { members.removeLast() }
        let next = hasMore ? members.last.map { MemberCursor(joinedAt: Timestamp.milliseconds($0.joinedAt), userID: $0.user.id) } : nil
        return MemberPage(members: members, nextCursor: next.map(MemberCursor.encode))
    }

    /// Whether the user belongs to the group.
    func isMember(userID: String, of groupID: String) async throws -> Bool {
        try await self.repository.role(of: userID, in: groupID) != nil
    }

    /// Tells the group's other members that `user` is typing.
    /// At most one per 2 s per user and group goes out; the others are dropped without a word (the event means
    /// "for the next few seconds", so nothing is lost), before any query.
    func typing(groupID: String, user: UserSummary) async throws {
        guard self.rateLimits.typing.check(user.id + "|" + groupID) == nil else { return }
        guard try await self.repository.role(of: user.id, in: groupID) != nil else { throw ChatError.groupNotFound }
        try await self.repository.broadcast(.typing(groupID: groupID, user: user))
    }

    // MARK: Helpers

    private func memberGroup(id: String, as userID: String) async throws -> Group {
        guard let group = try await self.repository.group(id: id, as: userID) else { throw ChatError.groupNotFound }
        return group
    }

    private func requireInviteManager(groupID: String, userID: String) async throws {
        guard let role = try await self.repository.role(of: userID, in: groupID) else { throw ChatError.groupNotFound }
        guard role.canManageInvites else {
            throw ChatError.forbidden("not_group_admin", "Only the group's owner and admins can manage its invites.")
        }
    }

    private static func randomGuestName() -> String {
        "Guest " + String(UInt16.random(in: 0x1000...0xFFFF), radix: 16, uppercase: true)
    }
}

/// Which page of history to read.
public enum MessageQuery: Sendable, Hashable {
    /// Messages older than `before` (newest first page when `nil`).
    case before(Int64?, limit: Int)
    /// Messages newer than `after`, for catching up.
    case after(Int64, limit: Int)
}

/// The opaque history cursor: base64url of `seq:N`.
enum MessageCursor {
    static func encode(_ seq: Int64) -> String {
        Base64URL.encode(Array("seq:\(seq)".utf8))
    }

    static func decode(_ cursor: String) -> Int64? {
        guard cursor.utf8.count <= 64, let bytes = Base64URL.decode(cursor), let text = String(validating: bytes, as: UTF8.self),
            text.hasPrefix("seq:"), let seq = Int64(text.dropFirst(4)), seq >= 1
        else { return nil }
        return seq
    }
}

extension MemberCursor {
    /// The opaque members cursor: base64url of `member:JOINED_MS:USER_ID`.
    static func encode(_ cursor: MemberCursor) -> String {
        Base64URL.encode(Array("member:\(cursor.joinedAt):\(cursor.userID)".utf8))
    }

    static func decode(_ text: String) -> MemberCursor? {
        guard text.utf8.count <= 256, let bytes = Base64URL.decode(text), let decoded = String(validating: bytes, as: UTF8.self),
            decoded.hasPrefix("member:")
        else { return nil }
        let parts = decoded.dropFirst("member:".count).split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let joinedAt = Int64(parts[0]), !parts[1].isEmpty else { return nil }
        return MemberCursor(joinedAt: joinedAt, userID: String(parts[1]))
    }
}
