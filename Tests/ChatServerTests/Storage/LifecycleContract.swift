import ChatCore
import ChatTestSupport
import Foundation
import Testing

@testable import ChatServer

/// The change feed, the message lifecycle, read markers and presence, as every backend must store them.
enum LifecycleContract {
    static let t0 = RepositoryContract.t0

    static func group(_ repository: any ChatRepository, owner: User, others: [User]) async throws -> Group {
        try await RepositoryContract.group(repository, name: "Lifecycle", owner: owner, others: others)
    }

    static func send(_ repository: any ChatRepository, _ group: Group, _ sender: User, _ text: String, replyTo: String? = nil) async throws -> Message
    {
        var draft = RepositoryContract.draft(group.id, sender.id, text)
        draft.replyTo = replyTo
        return try await repository.appendMessage(draft).message
    }

    static func react(
        _ repository: any ChatRepository,
        _ message: Message,
        _ user: User,
        _ emoji: String,
        _ present: Bool = true
    ) async throws
        -> MessageChange
    {
        try await repository.setReaction(
            ReactionChange(groupID: message.groupId, messageID: message.id, userID: user.id, emoji: emoji, present: present)
        )
    }

    /// Edits, deletions, reactions and replies: who may, what they leave, and one gapless rev for all of them.
    static func lifecycle(_ repository: any ChatRepository, _ sink: RecordingSink) async throws {
        let (ann, bob, cat) = (RepositoryContract.user("Ann"), RepositoryContract.user("Bob"), RepositoryContract.user("Cat"))
        let group = try await self.group(repository, owner: ann, others: [bob, cat])
        // Bob's and Cat's joins took revs 1 and 2.
        let base = try #require(try await repository.group(id: group.id, as: ann.id)?.rev)
        #expect(base == 2)
        let first = try await self.send(repository, group, bob, "first")
        let second = try await self.send(repository, group, cat, "second", replyTo: first.id)
        #expect((first.rev, second.rev) == (base + 1, base + 2))
        #expect(second.replyTo == MessageRef(id: first.id, seq: 1))
        await #expect(throws: ChatError.invalidReplyTo) { _ = try await self.send(repository, group, bob, "x", replyTo: "nope") }

        // Edit: the author only, unchanged text changes nothing.
        let edit = MessageEdit(groupID: group.id, messageID: first.id, editorID: bob.id, text: "first, edited", at: t0.addingTimeInterval(5))
        let edited = try await repository.editMessage(edit)
        #expect(edited.changed && edited.message.rev == base + 3 && edited.message.text == "first, edited")
        #expect(edited.message.editedAt == t0.addingTimeInterval(5))
        #expect(try await repository.editMessage(edit) == MessageChange(message: edited.message, changed: false))
        await #expect(throws: ChatError.notAuthor) {
            _ = try await repository.editMessage(MessageEdit(groupID: group.id, messageID: first.id, editorID: ann.id, text: "mine now", at: t0))
        }
        await #expect(throws: ChatError.messageNotFound) {
            _ = try await repository.editMessage(MessageEdit(groupID: group.id, messageID: "none", editorID: bob.id, text: "x", at: t0))
        }
        await #expect(throws: ChatError.groupNotFound) {
            _ = try await repository.editMessage(MessageEdit(groupID: group.id, messageID: first.id, editorID: "stranger", text: "x", at: t0))
        }

        // Reactions: idempotent, in the order each emoji first appeared, users in the order they reacted.
        #expect(try await self.react(repository, first, cat, "👍").message.rev == base + 4)
        #expect(try await self.react(repository, first, cat, "👍").changed == false)
        _ = try await self.react(repository, first, ann, "🎉")
        let reacted = try await self.react(repository, first, bob, "👍").message
        #expect(reacted.reactions == [Reaction(emoji: "👍", userIds: [cat.id, bob.id]), Reaction(emoji: "🎉", userIds: [ann.id])])
        #expect(reacted.rev == base + 6)
        let removed = try await self.react(repository, first, ann, "🎉", false)
        #expect(removed.message.reactions == [Reaction(emoji: "👍", userIds: [cat.id, bob.id])])
        #expect(try await self.react(repository, first, ann, "🎉", false).changed == false)
        for index in 0..<20 { _ = try await self.react(repository, second, ann, String(UnicodeScalar(0x1F600 + index)!)) }
        await #expect(throws: ChatError.tooManyReactions) { _ = try await self.react(repository, second, ann, "🙈") }
        _ = try await self.react(repository, second, bob, "😀")

        // Delete: the author, or an owner or admin; a tombstone keeps its seq, loses its text and reactions.
        await #expect(throws: ChatError.notAllowedToDelete) {
            _ = try await repository.deleteMessage(MessageDeletion(groupID: group.id, messageID: first.id, userID: cat.id, at: t0))
        }
        let deleted = try await repository.deleteMessage(MessageDeletion(groupID: group.id, messageID: first.id, userID: ann.id, at: t0))
        #expect(deleted.changed)
        let tombstone = deleted.message
        #expect(tombstone.deleted && tombstone.text.isEmpty && tombstone.reactions.isEmpty && tombstone.seq == 1 && tombstone.deletedAt == t0)
        #expect(try await repository.deleteMessage(MessageDeletion(groupID: group.id, messageID: first.id, userID: bob.id, at: t0)).changed == false)
        await #expect(throws: ChatError.messageDeleted) {
            _ = try await repository.editMessage(MessageEdit(groupID: group.id, messageID: first.id, editorID: bob.id, text: "back", at: t0))
        }
        await #expect(throws: ChatError.messageDeleted) { _ = try await self.react(repository, first, bob, "👍") }
        #expect(try await self.react(repository, first, bob, "👍", false).changed == false)
        // A reply to a deleted message is allowed, and says so.
        let third = try await self.send(repository, group, ann, "third", replyTo: first.id)
        #expect(third.replyTo?.seq == 1)

        // Every change took the next rev: 2 messages, 1 edit, 3 + 1 + 20 + 1 reactions, 1 delete, 1 message.
        let revs = sink.recorded.compactMap { event -> Int64? in
            switch event {
            case .messageCreated(let message), .messageUpdated(let message): message.rev
            default: nil
            }
        }
        #expect(revs == Array(base + 1...base + 30))
        let stored = try await repository.messages(in: group.id, after: 0, limit: 10)
        #expect(stored.map(\.seq) == [1, 2, 3])
        #expect(stored[0] == tombstone)
        #expect(stored[1].reactions.count == 20)
        #expect(stored[1].reactions.first == Reaction(emoji: "😀", userIds: [ann.id, bob.id]))
        #expect(stored[1].reactions.last?.emoji == "\u{1F613}")
        #expect(try await repository.group(id: group.id, as: ann.id)?.rev == base + 30)
    }

    /// The change feed: each message once, as it is now, in rev order, paged; `since` beyond the group is refused.
    static func changes(_ repository: any ChatRepository) async throws {
        let (ann, bob) = (RepositoryContract.user("Ann"), RepositoryContract.user("Bob"))
        let group = try await self.group(repository, owner: ann, others: [bob])
        var messages: [Message] = []
        for index in 1...5 { messages.append(try await self.send(repository, group, ann, "m\(index)")) }
        let since = try #require(try await repository.group(id: group.id, as: bob.id)?.rev)
        // Offline for Bob: an edit, a delete and two reactions.
        _ = try await repository.editMessage(MessageEdit(groupID: group.id, messageID: messages[1].id, editorID: ann.id, text: "edited", at: t0))
        _ = try await repository.deleteMessage(MessageDeletion(groupID: group.id, messageID: messages[3].id, userID: ann.id, at: t0))
        _ = try await self.react(repository, messages[1], ann, "👍")
        _ = try await self.react(repository, messages[1], ann, "🎉")
        let page = try await repository.changes(in: group.id, since: since, limit: 100)
        #expect(page.messages.map(\.seq) == [4, 2])
        #expect(page.messages[0].deleted)
        #expect(page.messages[1].text == "edited" && page.messages[1].reactions.map(\.emoji) == ["👍", "🎉"])
        #expect(page.rev == since + 4)
        #expect(!page.hasMore)
        // Paged: each page's rev is the next since; together they are the whole group, once each, Bob's join
        // (rev 1) first.
        var seen: [Int64] = []
        var members: [MemberChange] = []
        var cursor: Int64 = 0
        var pages = 0
        while true {
            let page = try await repository.changes(in: group.id, since: cursor, limit: 2)
            seen += page.messages.map(\.seq)
            members += page.members
            cursor = page.rev
            pages += 1
            if !page.hasMore { break }
        }
        #expect(seen == [1, 3, 5, 4, 2])
        #expect(members.map(\.userId) == [bob.id] && members.first?.rev == 1 && members.first?.member?.role == .member)
        #expect(cursor == since + 4)
        #expect(pages == 3)
        let empty = try await repository.changes(in: group.id, since: cursor, limit: 10)
        #expect(empty == ChangePage(messages: [], rev: cursor, hasMore: false))
        await #expect(throws: ChatError.sinceAhead(cursor)) { _ = try await repository.changes(in: group.id, since: cursor + 1, limit: 10) }
        await #expect(throws: ChatError.groupNotFound) { _ = try await repository.changes(in: "nope", since: 0, limit: 10) }
    }

    /// The change feed against a model: after a random mix of new messages, edits, deletions and reactions, the
    /// pages from any `since`, at any page size, hold exactly the messages whose latest change is after it, in
    /// `rev` order, each once and as it is now.
    static func changeFeedModel(_ repository: any ChatRepository) async throws {
        let (ann, bob) = (RepositoryContract.user("Ann"), RepositoryContract.user("Bob"))
        let group = try await self.group(repository, owner: ann, others: [bob])
        var generator = SeededGenerator(state: 0x5EED)
        var current: [String: Message] = [:]
        var order: [String] = []
        var changes: Int64 = 1  // Bob's join
        for step in 0..<120 {
            let choice = order.isEmpty ? 0 : generator.next() % 5
            let target = order.isEmpty ? nil : current[order[Int(generator.next() % UInt64(order.count))]]
            let author = step % 3 == 0 ? bob : ann
            let change: MessageChange
            switch (choice, target) {
            case (1, let target?) where !target.deleted && target.sender.id == author.id:
                change = try await repository.editMessage(
                    MessageEdit(groupID: group.id, messageID: target.id, editorID: author.id, text: "edit \(step)", at: t0)
                )
            case (2, let target?) where step % 4 == 0:
                change = try await repository.deleteMessage(MessageDeletion(groupID: group.id, messageID: target.id, userID: ann.id, at: t0))
            case (3, let target?) where !target.deleted:
                let emoji = ["👍", "🎉", "👀"][Int(generator.next() % 3)]
                change = try await self.react(repository, target, author, emoji, generator.next() % 3 != 0)
            default:
                let message = try await self.send(repository, group, author, "message \(step)")
                order.append(message.id)
                change = MessageChange(message: message, changed: true)
            }
            current[change.message.id] = change.message
            if change.changed { changes += 1 }
        }
        let groupRev = try #require(try await repository.group(id: group.id, as: ann.id)?.rev)
        #expect(groupRev == changes, "every change, and only a change, took a rev")
        #expect(current.values.contains { $0.rev != $0.seq }, "the mix changed some messages")
        for since in [0, 1, groupRev / 3, groupRev / 2, groupRev - 7, groupRev - 1, groupRev] {
            let expected = current.values.filter { $0.rev > since }.sorted { $0.rev < $1.rev }
            for limit in [1, 3, 50, 500] {
                var collected: [Message] = []
                var cursor = since
                while true {
                    let page = try await repository.changes(in: group.id, since: cursor, limit: limit)
                    #expect(page.messages.count <= limit)
                    collected += page.messages
                    #expect(page.rev >= cursor)
                    cursor = page.rev
                    if !page.hasMore { break }
                }
                #expect(collected == expected, "since \(since), limit \(limit)")
                #expect(cursor == groupRev)
            }
        }
    }

    /// Read markers move forward only, and unread counts follow them.
    static func readMarkers(_ repository: any ChatRepository, _ sink: RecordingSink) async throws {
        let (ann, bob) = (RepositoryContract.user("Ann"), RepositoryContract.user("Bob"))
        let group = try await self.group(repository, owner: ann, others: [bob])
        var sent: [Message] = []
        for index in 1...4 { sent.append(try await self.send(repository, group, index == 2 ? bob : ann, "m\(index)")) }
        #expect(try await repository.group(id: group.id, as: bob.id).map { ($0.readSeq, $0.unreadCount) } ?? (-1, -1) == (0, 3))
        #expect(try await repository.markRead(groupID: group.id, userID: bob.id, seq: 2) == 2)
        #expect(sink.recorded.last == .read(userID: bob.id, groupID: group.id, seq: 2))
        #expect(try await repository.markRead(groupID: group.id, userID: bob.id, seq: 1) == nil, "never back")
        #expect(try await repository.markRead(groupID: group.id, userID: bob.id, seq: 2) == nil)
        _ = try await repository.deleteMessage(MessageDeletion(groupID: group.id, messageID: sent[3].id, userID: ann.id, at: t0))
        let bobsView = try #require(try await repository.groups(of: bob.id).first)
        #expect((bobsView.readSeq, bobsView.unreadCount) == (2, 1), "message 3 is unread, 4 is deleted")
        await #expect(throws: ChatError.seqOutOfRange(4)) { _ = try await repository.markRead(groupID: group.id, userID: bob.id, seq: 5) }
        await #expect(throws: ChatError.groupNotFound) { _ = try await repository.markRead(groupID: group.id, userID: "stranger", seq: 1) }
    }

    /// Presence across two instances, and the member list that shows it, page by page.
    static func presence(_ repository: any ChatRepository, _ sink: RecordingSink) async throws {
        let (ann, bob, cat) = (RepositoryContract.user("Ann"), RepositoryContract.user("Bob"), RepositoryContract.user("Cat"))
        let group = try await self.group(repository, owner: ann, others: [bob, cat])
        let later = t0.addingTimeInterval(30)
        let online = try #require(try await repository.presenceOnline(userID: bob.id, instance: "a", at: t0, expiresAt: t0.addingTimeInterval(60)))
        #expect(online == PresenceUpdate(userID: bob.id, status: .online, lastSeenAt: t0, groupIDs: [group.id]))
        #expect(sink.recorded.last == .presence(online))
        // A second instance: no change to announce, and leaving the first one keeps Bob online.
        #expect(try await repository.presenceOnline(userID: bob.id, instance: "b", at: t0, expiresAt: t0.addingTimeInterval(60)) == nil)
        #expect(try await repository.presenceOffline(userID: bob.id, instance: "a", at: later) == nil)
        let offline = try await repository.presenceOffline(userID: bob.id, instance: "b", at: later)
        #expect(offline == PresenceUpdate(userID: bob.id, status: .offline, lastSeenAt: later, groupIDs: [group.id]))
        #expect(try await repository.presenceOffline(userID: bob.id, instance: "b", at: later) == nil, "only once")

        // Cat is online through an instance that dies: once her record expires, a sweep takes her offline.
        _ = try await repository.presenceOnline(userID: cat.id, instance: "dead", at: t0, expiresAt: t0.addingTimeInterval(60))
        #expect(try await repository.renewPresence(instance: "dead", at: t0.addingTimeInterval(20), until: t0.addingTimeInterval(80)) == 1)
        let page = try await repository.members(of: group.id, after: nil, limit: 10, at: t0.addingTimeInterval(30))
        // Everyone joined at t0: the user id breaks the tie.
        #expect(page.map(\.user.id) == [ann, bob, cat].map(\.id).sorted())
        let byID = Dictionary(uniqueKeysWithValues: page.map { ($0.user.id, $0) })
        #expect(byID[ann.id]?.presence == Presence(status: .offline, lastSeenAt: nil))
        #expect(byID[ann.id]?.role == .owner)
        #expect(byID[bob.id]?.presence == Presence(status: .offline, lastSeenAt: later))
        #expect(byID[cat.id]?.presence == Presence(status: .online, lastSeenAt: t0))
        #expect(try await repository.expirePresence(at: t0.addingTimeInterval(79)).isEmpty)
        let swept = try await repository.expirePresence(at: t0.addingTimeInterval(80))
        #expect(swept == [PresenceUpdate(userID: cat.id, status: .offline, lastSeenAt: t0.addingTimeInterval(20), groupIDs: [group.id])])
        let after = try await repository.members(of: group.id, after: nil, limit: 10, at: t0.addingTimeInterval(90))
        #expect(after.map(\.presence.status) == [.offline, .offline, .offline])
        // Pages: after the cursor of the first member.
        let first = try #require(page.first)
        let rest = try await repository.members(
            of: group.id,
            after: MemberCursor(joinedAt: Timestamp.milliseconds(first.joinedAt), userID: first.user.id),
            limit: 1,
            at: t0
        )
        #expect(rest.map(\.user.id) == [page[1].user.id])
    }
}

extension RecordingSink {
    /// The newest event recorded.
    var last: ChatEvent? { self.recorded.last }
}
