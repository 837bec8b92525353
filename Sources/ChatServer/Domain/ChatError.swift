import ChatCore

/// A failure the API reports to its caller, with a stable snake_case `code` and a human `message`.
///
/// The category decides the HTTP status at the edge (see `ChatError+HTTP.swift`); the domain never names statuses.
public struct ChatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    enum Category: Sendable, Hashable {
        case invalid
        case unauthenticated
        case forbidden
        case notFound
        case conflict
        case gone
        case tooLarge
        case rateLimited
        case unavailable
        case `internal`
    }

    let category: Category
    /// A stable machine-readable code, such as `invalid_email`.
    public let code: String
    /// A sentence for people; it never contains secrets.
    public let message: String
    /// For rate limits: how long to wait before trying again.
    public let retryAfter: Duration?

    init(_ category: Category, _ code: String, _ message: String, retryAfter: Duration? = nil) {
        self.category = category
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(self.code): \(self.message)" }

    /// Bad input: a malformed body, a missing field or a value out of range.
    public static func invalid(_ code: String, _ message: String) -> ChatError { .init(.invalid, code, message) }
    /// A missing, malformed, expired or forged token.
    public static func unauthenticated(_ code: String, _ message: String) -> ChatError { .init(.unauthenticated, code, message) }
    /// A member without the right to do this.
    public static func forbidden(_ code: String, _ message: String) -> ChatError { .init(.forbidden, code, message) }
    /// Something unknown, or hidden from the caller.
    public static func notFound(_ code: String, _ message: String) -> ChatError { .init(.notFound, code, message) }
    /// The request clashes with what exists.
    public static func conflict(_ code: String, _ message: String) -> ChatError { .init(.conflict, code, message) }
    /// Something that existed but can no longer be used.
    public static func gone(_ code: String, _ message: String) -> ChatError { .init(.gone, code, message) }
    /// A body or frame beyond its size limit.
    public static func tooLarge(_ code: String, _ message: String) -> ChatError { .init(.tooLarge, code, message) }
    /// Too many requests: `what` may go on after `retryAfter`.
    public static func rateLimited(what: String, retryAfter: Duration) -> ChatError {
        let seconds = max(1, Int(retryAfter.timeInterval.rounded(.up)))
        return .init(.rateLimited, "rate_limited", "Too many \(what): try again in \(seconds) s.", retryAfter: .seconds(seconds))
    }

    /// A failure on the server's side, described without internals.
    public static func `internal`(_ message: String = "Something went wrong on the server.") -> ChatError {
        .init(.internal, "internal_error", message)
    }

    /// A group that does not exist, or that the caller does not belong to: the two look the same.
    public static let groupNotFound = ChatError.notFound("group_not_found", "No such group.")
    /// Any authentication failure, with one body whatever the reason.
    public static let invalidToken = ChatError.unauthenticated("invalid_token", "The token is missing, malformed, expired or not valid.")
}

extension ChatError {
    static let emailTaken = ChatError.conflict("email_taken", "An account with this email already exists.")
    static let inviteNotFound = ChatError.notFound("invite_not_found", "This invite does not exist or was revoked.")
    static let inviteExpired = ChatError.gone("invite_expired", "This invite has expired.")
    static let inviteUsedUp = ChatError.gone("invite_used_up", "This invite has no uses left.")
    static let clientIDReused = ChatError.conflict("client_id_reused", "This clientId was already used for a message in another group.")
    static let invalidCredentials = ChatError.unauthenticated("invalid_credentials", "The email or password is incorrect.")
    static let accountDisabled = ChatError.forbidden(
        "account_disabled",
        "This account has been disabled by the server's administrator."
    )
    static let wrongPassword = ChatError.forbidden("wrong_password", "The password is incorrect.")
    static let passwordRequired = ChatError.invalid("password_required", "Confirm with the account's password: {\"password\": \"...\"}.")
    static let guestAccount = ChatError.forbidden("guest_account", "A guest account has no password; register with an email to have one.")
    static let messageNotFound = ChatError.notFound("message_not_found", "No such message in this group.")
    static let notAuthor = ChatError.forbidden("not_author", "Only the author of a message can edit it.")
    static let notAllowedToDelete = ChatError.forbidden(
        "not_allowed",
        "Only the author of a message, or the group's owner and admins, can delete it."
    )
    static let messageDeleted = ChatError.conflict("message_deleted", "This message was deleted.")
    static let tooManyReactions = ChatError.conflict("too_many_reactions", "A message can carry at most 20 different emoji.")
    static let invalidReplyTo = ChatError.invalid("invalid_reply_to", "replyTo must be the id of a message in the same group.")
    static let notGroupAdmin = ChatError.forbidden("not_group_admin", "Only the group's owner and admins can do this.")
    static let notOwner = ChatError.forbidden("not_owner", "Only the group's owner can do this.")
    static let insufficientRole = ChatError.forbidden("insufficient_role", "Admins can remove and ban plain members only.")
    static let cannotTargetSelf = ChatError.invalid("cannot_target_self", "This cannot be done to yourself (to go, leave the group).")
    static let invalidRole = ChatError.invalid("invalid_role", "role must be admin or member; ownership moves with POST /groups/:id/transfer.")
    static let ownerMustTransfer = ChatError.conflict(
        "owner_must_transfer",
        "The owner must hand the group over to another member (POST /groups/:id/transfer) before leaving."
    )
    static let invitesAdminsOnly = ChatError.forbidden("invites_admins_only", "In this group only the owner and admins can create invites.")
    static let banned = ChatError.forbidden("banned", "You are banned from this group.")
    static let memberNotFound = ChatError.notFound("member_not_found", "No such member in this group.")
    static let userNotFound = ChatError.notFound("user_not_found", "No such user.")
    static let banNotFound = ChatError.notFound("ban_not_found", "This user is not banned from this group.")
    static let requestNotFound = ChatError.notFound("request_not_found", "No such join request in this group.")
    static let requestDecided = ChatError.conflict("request_decided", "This join request was already approved or denied.")
    static let requestExpired = ChatError.gone("request_expired", "This join request expired with its invite.")
    static func seqOutOfRange(_ last: Int64) -> ChatError {
        .invalid("seq_out_of_range", "seq must be from 0 to the group's newest seq (\(last)).")
    }
    static func sinceAhead(_ rev: Int64) -> ChatError {
        .invalid("since_ahead", "since is beyond the group's newest change (rev \(rev)).")
    }
}
