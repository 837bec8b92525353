import ChatCore
import ChatTestSupport
import Foundation
import HummingbirdTesting
import Testing

@testable import ChatServer

@Suite("Messages: edits, deletions, replies and reactions over REST")
struct MessageLifecycleTests {
    @Test("an edit is the author's, sets editedAt and takes the next rev; the rules of a new text apply")
    func edit() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let message = try await api.send(bob.token, group: group.id, text: "helo")
            api.clock.advance(by: 30)
            let response = try await api.edit(bob.token, group: group.id, message: message.id, text: "hello")
            let edited = try response.decoded(Message.self)
            #expect((try response.jsonObject["editedAt"] as? String)?.hasSuffix("Z") == true)
            #expect(edited.text == "hello")
            #expect(edited.editedAt == api.clock.now)
            #expect(edited.rev == message.rev + 1)
            #expect((edited.seq, edited.id, edited.createdAt) == (message.seq, message.id, message.createdAt))
            // The same text again changes nothing.
            #expect(try await api.edit(bob.token, group: group.id, message: message.id, text: "hello").decoded(Message.self) == edited)
            try expectError(await api.edit(ann.token, group: group.id, message: message.id, text: "mine"), .forbidden, "not_author")
            try expectError(await api.edit(bob.token, group: group.id, message: message.id, text: " "), .badRequest, "text_empty")
            try expectError(
                await api.edit(bob.token, group: group.id, message: message.id, text: String(repeating: "x", count: 4001)),
                .badRequest,
                "text_too_long"
            )
            try expectError(
                await api.call(.patch, "/groups/\(group.id)/messages/\(message.id)", token: bob.token, raw: "{}"),
                .badRequest,
                "invalid_json"
            )
            try expectError(await api.edit(bob.token, group: group.id, message: "nope", text: "x"), .notFound, "message_not_found")
            let eve = try await api.guest("Eve")
            try expectError(await api.edit(eve.token, group: group.id, message: message.id, text: "x"), .notFound, "group_not_found")
            #expect(try await api.page(ann.token, group: group.id).messages == [edited])
        }
    }

    @Test("a deletion leaves a tombstone (text erased on disk, reactions cleared, seq kept); twice is 204 both times")
    func delete() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let cat = try await api.member(of: group.id, invitedBy: ann.token, name: "Cat")
            let secret = "the launch code is \(UUID().uuidString)"
            let message = try await api.send(bob.token, group: group.id, text: secret)
            _ = try await api.react(cat.token, group: group.id, message: message.id, emoji: "👍").decoded(Message.self)
            try expectError(await api.delete(cat.token, group: group.id, message: message.id), .forbidden, "not_allowed")
            #expect(try await api.delete(bob.token, group: group.id, message: message.id).status == .noContent)
            #expect(try await api.delete(bob.token, group: group.id, message: message.id).status == .noContent)
            #expect(try await api.delete(ann.token, group: group.id, message: message.id).status == .noContent, "the owner may too")
            let page = try await api.call(.get, "/groups/\(group.id)/messages", token: ann.token)
            let wire = try #require((try page.jsonObject["messages"] as? [[String: Any]])?.first)
            #expect(wire["deleted"] as? Bool == true && wire["deletedAt"] is String && wire["text"] as? String == "")
            #expect(wire["reactions"] == nil, "no reactions: the key is left out")
            let tombstone = try #require(try page.decoded(MessagePage.self).messages.first)
            #expect(tombstone.deleted && tombstone.text.isEmpty && tombstone.reactions.isEmpty)
            #expect(tombstone.seq == 1 && tombstone.deletedAt == api.clock.now && tombstone.rev == message.rev + 2)
            try expectError(await api.edit(bob.token, group: group.id, message: message.id, text: "back"), .conflict, "message_deleted")
            try expectError(await api.react(cat.token, group: group.id, message: message.id, emoji: "👍"), .conflict, "message_deleted")
            // Erased, not hidden: after a checkpoint the text is in neither the database file nor its log.
            let database = try await TestDatabase.open(api.databasePath)
            #expect(try await database.scalarText("SELECT text FROM messages WHERE id = ?", [.text(message.id)]) == "")
            _ = try await database.rows("PRAGMA wal_checkpoint(TRUNCATE)")
            await database.close()
            for file in [api.databasePath, api.databasePath + "-wal"] {
                let bytes = (try? Data(contentsOf: URL(fileURLWithPath: file))) ?? Data()
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) still holds the deleted text")
            }
            // A plain member deletes their own messages only; an admin deletes anyone's.
            let own = try await api.send(cat.token, group: group.id, text: "mine")
            #expect(try await api.delete(cat.token, group: group.id, message: own.id).status == .noContent)
            let bobs = try await api.send(bob.token, group: group.id, text: "bob's")
            try expectError(await api.delete(cat.token, group: group.id, message: bobs.id), .forbidden, "not_allowed")
            let promote = try await TestDatabase.open(api.databasePath)
            _ = try await promote.rows("UPDATE memberships SET role = 'admin' WHERE user_id = ?", [.text(cat.user.id)])
            await promote.close()
            #expect(try await api.delete(cat.token, group: group.id, message: bobs.id).status == .noContent)
            try expectError(await api.delete(cat.token, group: group.id, message: "nope"), .notFound, "message_not_found")
            let eve = try await api.guest("Eve")
            try expectError(await api.delete(eve.token, group: group.id, message: own.id), .notFound, "group_not_found")
        }
    }

    @Test("a reply names a message of the same group, over REST and the socket's message:send")
    func replies() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let other = try await api.createGroup(ann.token, name: "Other")
            let question = try await api.send(ann.token, group: group.id, text: "Friday?")
            let elsewhere = try await api.send(ann.token, group: other.id, text: "elsewhere")
            let answer = try await api.call(
                .post,
                "/groups/\(group.id)/messages",
                token: ann.token,
                json: SendMessageRequest(text: "Yes", replyTo: question.id)
            ).decoded(Message.self, status: .created)
            #expect(answer.replyTo == MessageRef(id: question.id, seq: question.seq))
            for bad in [elsewhere.id, "nope"] {
                let response = try await api.call(
                    .post,
                    "/groups/\(group.id)/messages",
                    token: ann.token,
                    json: SendMessageRequest(text: "x", replyTo: bad)
                )
                try expectError(response, .badRequest, "invalid_reply_to")
            }
            // The refused replies used no seq.
            #expect(try await api.send(ann.token, group: group.id, text: "next").seq == 3)
        }
    }

    @Test("reactions: members only, idempotent, one grapheme of at most 32 bytes, 20 emoji per message at most")
    func reactions() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let message = try await api.send(ann.token, group: group.id, text: "react to me")
            let family = "👨‍👩‍👧‍👦"  // one grapheme of 25 bytes
            _ = try await api.react(bob.token, group: group.id, message: message.id, emoji: "👍").decoded(Message.self)
            _ = try await api.react(ann.token, group: group.id, message: message.id, emoji: family).decoded(Message.self)
            let again = try await api.react(ann.token, group: group.id, message: message.id, emoji: "👍").decoded(Message.self)
            #expect(again.reactions == [Reaction(emoji: "👍", userIds: [bob.user.id, ann.user.id]), Reaction(emoji: family, userIds: [ann.user.id])])
            #expect(try await api.react(ann.token, group: group.id, message: message.id, emoji: "👍").decoded(Message.self) == again)
            let percent = try await api.react(ann.token, group: group.id, message: message.id, emoji: "%").decoded(Message.self)
            #expect(percent.reactions.last?.emoji == "%")
            let removed = try await api.react(bob.token, group: group.id, message: message.id, emoji: "👍", present: false).decoded(Message.self)
            // 👍 now dates from Ann's reaction, after the family's: emoji are ordered by their earliest current reaction.
            #expect(removed.reactions.map(\.emoji) == [family, "👍", "%"])
            #expect(removed.reactions[1] == Reaction(emoji: "👍", userIds: [ann.user.id]))
            #expect(try await api.react(bob.token, group: group.id, message: message.id, emoji: "👍", present: false).decoded(Message.self) == removed)
            for bad in ["ab", " ", "\u{7}", "🏳️‍🌈🏳️‍🌈", "👨‍👩‍👧‍👦👨", "\u{301}"] {
                try expectError(await api.react(ann.token, group: group.id, message: message.id, emoji: bad), .badRequest, "invalid_emoji")
            }
            try expectError(await api.react(ann.token, group: group.id, message: message.id, emoji: "%ZZ", raw: true), .badRequest, "invalid_emoji")
            let long = "🏴" + String(repeating: "\u{E0067}", count: 8)  // one grapheme, 36 bytes
            try expectError(await api.react(ann.token, group: group.id, message: message.id, emoji: long), .badRequest, "invalid_emoji")
            let eve = try await api.guest("Eve")
            try expectError(await api.react(eve.token, group: group.id, message: message.id, emoji: "👍"), .notFound, "group_not_found")
            try expectError(await api.react(ann.token, group: group.id, message: "nope", emoji: "👍"), .notFound, "message_not_found")
            let full = try await api.send(ann.token, group: group.id, text: "full")
            for index in 0..<20 {
                _ = try await api.react(ann.token, group: group.id, message: full.id, emoji: String(UnicodeScalar(0x1F400 + index)!)).decoded(
                    Message.self
                )
            }
            try expectError(await api.react(bob.token, group: group.id, message: full.id, emoji: "🦄"), .conflict, "too_many_reactions")
            #expect(try await api.react(bob.token, group: group.id, message: full.id, emoji: "\u{1F400}").status == .ok, "an emoji already there")
        }
    }

    @Test("read markers move forward only, and unread counts follow them")
    func readMarkers() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            var sent: [Message] = []
            for index in 1...5 { sent.append(try await api.send(index == 3 ? bob.token : ann.token, group: group.id, text: "m\(index)")) }
            var bobsView = try #require(try await api.groups(bob.token).first)
            #expect((bobsView.readSeq, bobsView.unreadCount, bobsView.lastSeq, bobsView.rev) == (0, 4, 5, 6), "Bob's join was rev 1")
            #expect(try await api.markRead(bob.token, group: group.id, seq: 3).status == .noContent)
            #expect(try await api.markRead(bob.token, group: group.id, seq: 1).status == .noContent, "backwards is a no-op")
            _ = try await api.delete(ann.token, group: group.id, message: sent[4].id)
            bobsView = try #require(try await api.groups(bob.token).first)
            #expect((bobsView.readSeq, bobsView.unreadCount) == (3, 1))
            let detail = try await api.call(.get, "/groups/\(group.id)", token: bob.token).decoded(GroupDetail.self)
            #expect((detail.group.readSeq, detail.group.unreadCount) == (3, 1))
            try expectError(await api.markRead(bob.token, group: group.id, seq: 6), .badRequest, "seq_out_of_range")
            try expectError(await api.markRead(bob.token, group: group.id, seq: -1), .badRequest, "invalid_seq")
            try expectError(await api.call(.put, "/groups/\(group.id)/read", token: bob.token, raw: #"{"seq":"3"}"#), .badRequest, "invalid_json")
            let eve = try await api.guest("Eve")
            try expectError(await api.markRead(eve.token, group: group.id, seq: 1), .notFound, "group_not_found")
        }
    }

    @Test("the change feed: an edit, a delete and two reactions made while away arrive in one call as two messages")
    func changes() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let first = try await api.send(ann.token, group: group.id, text: "first")
            let second = try await api.send(ann.token, group: group.id, text: "second")
            let since = try #require(try await api.groups(bob.token).first?.rev)
            _ = try await api.edit(ann.token, group: group.id, message: first.id, text: "first, edited")
            _ = try await api.delete(ann.token, group: group.id, message: second.id)
            _ = try await api.react(ann.token, group: group.id, message: first.id, emoji: "👍")
            _ = try await api.react(ann.token, group: group.id, message: first.id, emoji: "🎉")
            let page = try await api.changes(bob.token, group: group.id, since: since)
            #expect(page.messages.count == 2)
            #expect(page.messages.map(\.id) == [second.id, first.id])
            #expect(page.messages[0].deleted && page.messages[0].text.isEmpty)
            #expect(page.messages[1].text == "first, edited" && page.messages[1].reactions.map(\.emoji) == ["👍", "🎉"])
            #expect(page.rev == since + 4 && !page.hasMore)
            #expect(try await api.groups(bob.token).first?.rev == page.rev)
            // Paged with limit, from zero: the first change is Bob's join.
            let paged = try await api.changes(bob.token, group: group.id, since: 0, limit: 1)
            #expect(paged.messages.isEmpty && paged.members.map(\.userId) == [bob.user.id] && paged.hasMore && paged.rev == 1)
            for (query, code) in [
                ("?since=-1", "invalid_since"), ("?since=x", "invalid_since"), ("?limit=0", "invalid_limit"), ("?limit=501", "invalid_limit"),
                ("?since=\(page.rev + 1)", "since_ahead"),
            ] {
                try expectError(await api.call(.get, "/groups/\(group.id)/changes\(query)", token: bob.token), .badRequest, code)
            }
            let eve = try await api.guest("Eve")
            try expectError(await api.call(.get, "/groups/\(group.id)/changes?since=0", token: eve.token), .notFound, "group_not_found")
        }
    }

    @Test("the member list pages by cursor and shows each member's role and presence")
    func members() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            var joined = [ann.user.id]
            for index in 0..<4 {
                api.clock.advance(by: 1)
                joined.append(try await api.member(of: group.id, invitedBy: ann.token, name: "M\(index)").user.id)
            }
            var cursor: String?
            var seen: [MemberPresence] = []
            repeat {
                let query = "?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await api.call(.get, "/groups/\(group.id)/members\(query)", token: ann.token).decoded(MemberPage.self)
                #expect(page.members.count <= 2)
                seen += page.members
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen.map(\.user.id) == joined)
            #expect(seen.map(\.role) == [.owner, .member, .member, .member, .member])
            #expect(seen.allSatisfy { $0.presence == Presence(status: .offline, lastSeenAt: nil) })
            try expectError(await api.call(.get, "/groups/\(group.id)/members?cursor=bogus", token: ann.token), .badRequest, "invalid_cursor")
            try expectError(await api.call(.get, "/groups/\(group.id)/members?limit=0", token: ann.token), .badRequest, "invalid_limit")
            let eve = try await api.guest("Eve")
            try expectError(await api.call(.get, "/groups/\(group.id)/members", token: eve.token), .notFound, "group_not_found")
        }
    }
}
