import ChatCore
import Foundation

/// The rules of edits, deletions and reactions, shared by both backends: each takes the message as it is inside
/// the write's transaction, and says what the change makes of it, or why it is refused.
enum MessageLifecycle {
    /// Only the author edits, and not a deleted message; the same text changes nothing.
    static func edit(_ message: Message, by userID: String, text: String, at date: Date) throws -> MessageChange {
        guard message.sender.id == userID else { throw ChatError.notAuthor }
        guard !message.deleted else { throw ChatError.messageDeleted }
        guard message.text != text else { return MessageChange(message: message, changed: false) }
        var edited = message
        edited.text = text
        edited.editedAt = date
        return MessageChange(message: edited, changed: true)
    }

    /// The author, the owner and admins delete; the message becomes a tombstone. Deleting twice changes nothing.
    static func delete(_ message: Message, by userID: String, role: GroupRole, at date: Date) throws -> MessageChange {
        guard message.sender.id == userID || role != .member else { throw ChatError.notAllowedToDelete }
        guard !message.deleted else { return MessageChange(message: message, changed: false) }
        var tombstone = message
        tombstone.text = ""
        tombstone.deleted = true
        tombstone.deletedAt = date
        tombstone.reactions = []
        return MessageChange(message: tombstone, changed: true)
    }

    /// Whether adding or removing the reaction changes the message. A tombstone takes none (and has none to
    /// remove); a message carries at most 20 distinct emoji.
    static func reactionChanges(_ message: Message, _ reaction: ReactionChange) throws -> Bool {
        if message.deleted {
            if reaction.present { throw ChatError.messageDeleted }
            return false
        }
        let existing = message.reactions.first { $0.emoji == reaction.emoji }
        guard (existing?.userIds.contains(reaction.userID) ?? false) != reaction.present else { return false }
        if reaction.present, existing == nil, message.reactions.count >= Validation.reactionsPerMessageMax {
            throw ChatError.tooManyReactions
        }
        return true
    }
}
