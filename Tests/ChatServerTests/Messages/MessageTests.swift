import ChatCore
import Foundation
import HummingbirdTesting
import Testing

@testable import ChatServer

@Suite("Messages: sending, idempotency, gapless seq and pagination")
struct MessageTests {
    @Test("a message gets 201 and the next seq, starting at 1")
    func send() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let response = try await api.call(.post, "/groups/\(group.id)/messages", token: ann.token, json: SendMessageRequest(text: "héllo 👋"))
            let first = try response.decoded(Message.self, status: .created)
            #expect(first.seq == 1)
            #expect(first.text == "héllo 👋")
            #expect(first.sender == ann.user.summary)
            #expect(first.groupId == group.id)
            #expect(first.clientId == nil)
            let object = try response.jsonObject
            // The lifecycle's fields are left out while they hold their defaults.
            #expect(object.keys.sorted() == ["clientId", "createdAt", "groupId", "id", "rev", "sender", "seq", "text"])
            #expect(first.rev == 1 && first.editedAt == nil && !first.deleted && first.replyTo == nil && first.reactions.isEmpty)
            #expect(object["clientId"] is NSNull)
            #expect((object["createdAt"] as? String)?.hasSuffix("Z") == true)
            #expect(try await api.send(ann.token, group: group.id, text: "two").seq == 2)
        }
    }

    @Test("text is 1–4000 characters and clientId at most 64")
    func validation() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let path = "/groups/\(group.id)/messages"
            try expectError(await api.call(.post, path, token: ann.token, json: SendMessageRequest(text: "")), .badRequest, "text_empty")
            try expectError(await api.call(.post, path, token: ann.token, json: SendMessageRequest(text: " \n\t ")), .badRequest, "text_empty")
            let long = String(repeating: "a", count: 4001)
            try expectError(await api.call(.post, path, token: ann.token, json: SendMessageRequest(text: long)), .badRequest, "text_too_long")
            try expectError(await api.call(.post, path, token: ann.token, json: SendMessageRequest(text: "bell\u{7}")), .badRequest, "invalid_text")
            let longID = String(repeating: "c", count: 65)
            try expectError(
                await api.call(.post, path, token: ann.token, json: SendMessageRequest(text: "x", clientId: longID)),
                .badRequest,
                "invalid_client_id"
            )
            try expectError(await api.call(.post, path, token: ann.token, raw: #"{"text": 42}"#), .badRequest, "invalid_json")
            try expectError(await api.call(.post, path, token: ann.token, raw: #"{"text": null}"#), .badRequest, "invalid_json")
            // The limits themselves are accepted; multi-line text keeps its newlines.
            #expect(try await api.send(ann.token, group: group.id, text: String(repeating: "字", count: 4000)).text.count == 4000)
            #expect(try await api.send(ann.token, group: group.id, text: "a\nb", clientId: String(repeating: "c", count: 64)).text == "a\nb")
            #expect(try await api.page(ann.token, group: group.id).messages.map(\.seq) == [1, 2])
        }
    }

    @Test("a repeated clientId returns the original message and stores nothing")
    func idempotency() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let first = try await api.send(ann.token, group: group.id, text: "once", clientId: "k-1")
            let replay = try await api.call(
                .post,
                "/groups/\(group.id)/messages",
                token: ann.token,
                json: SendMessageRequest(text: "once", clientId: "k-1")
            )
            #expect(try replay.decoded(Message.self, status: .created) == first)
            #expect(replay.headers[.init("Idempotent-Replayed")!] == "true")
            // Another sender may use the same clientId.
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            #expect(try await api.send(bob.token, group: group.id, text: "mine", clientId: "k-1").seq == 2)
            // The same sender may not reuse it in another group.
            let other = try await api.createGroup(ann.token, name: "other")
            let clash = try await api.call(
                .post,
                "/groups/\(other.id)/messages",
                token: ann.token,
                json: SendMessageRequest(text: "x", clientId: "k-1")
            )
            try expectError(clash, .conflict, "client_id_reused")
            #expect(try await api.page(ann.token, group: group.id).messages.map(\.seq) == [1, 2])
        }
    }

    @Test("concurrent senders get seq 1…N with no gap and no repeat")
    func concurrentSeq() async throws {
        try await TestApp.run(.live) { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            var senders = [ann]
            for index in 0..<4 { senders.append(try await api.member(of: group.id, invitedBy: ann.token, name: "S\(index)")) }
            let seqs = try await withThrowingTaskGroup(of: Int64.self) { tasks in
                for (index, sender) in senders.enumerated() {
                    for message in 0..<20 {
                        tasks.addTask {
                            try await api.send(sender.token, group: group.id, text: "m\(index)-\(message)", clientId: "\(index)-\(message)").seq
                        }
                    }
                }
                return try await tasks.reduce(into: [Int64]()) { $0.append($1) }
            }
            #expect(seqs.sorted() == Array(1...100))
            let stored = try await api.page(ann.token, group: group.id, query: "?after=0&limit=100").messages
            #expect(stored.map(\.seq) == Array(1...100))
            #expect(Set(stored.map(\.id)).count == 100)
        }
    }

    @Test("pages run newest first, each in ascending seq, with nextCursor until the first message")
    func pagination() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            for index in 1...75 { _ = try await api.send(ann.token, group: group.id, text: "m\(index)") }
            let newest = try await api.page(ann.token, group: group.id)
            #expect(newest.messages.map(\.seq) == Array(46...75))
            #expect(newest.hasMore)
            let cursor1 = try #require(newest.nextCursor)
            let middle = try await api.page(ann.token, group: group.id, query: "?cursor=\(cursor1)")
            #expect(middle.messages.map(\.seq) == Array(16...45))
            let cursor2 = try #require(middle.nextCursor)
            let oldest = try await api.page(ann.token, group: group.id, query: "?cursor=\(cursor2)&limit=100")
            #expect(oldest.messages.map(\.seq) == Array(1...15))
            #expect(oldest.nextCursor == nil)
            #expect(!oldest.hasMore)
            let exact = try await api.page(ann.token, group: group.id, query: "?cursor=\(cursor2)&limit=15")
            #expect(exact.messages.map(\.seq) == Array(1...15))
            #expect(exact.nextCursor == nil)
            #expect(try await api.page(ann.token, group: group.id, query: "?limit=1").messages.map(\.text) == ["m75"])
        }
    }

    @Test("after=SEQ returns the later messages in ascending order, for catching up")
    func after() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            for index in 1...12 { _ = try await api.send(ann.token, group: group.id, text: "m\(index)") }
            let page = try await api.page(ann.token, group: group.id, query: "?after=4&limit=5")
            #expect(page.messages.map(\.seq) == [5, 6, 7, 8, 9])
            #expect(page.hasMore)
            #expect(page.nextCursor == nil)
            let rest = try await api.page(ann.token, group: group.id, query: "?after=9&limit=5")
            #expect(rest.messages.map(\.seq) == [10, 11, 12])
            #expect(!rest.hasMore)
            #expect(try await api.page(ann.token, group: group.id, query: "?after=12").messages.isEmpty)
        }
    }

    @Test("a bad limit, cursor or after gets 400")
    func badQueries() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let path = "/groups/\(group.id)/messages"
            for query in ["limit=0", "limit=101", "limit=ten", "limit=-1"] {
                try expectError(await api.call(.get, "\(path)?\(query)", token: ann.token), .badRequest, "invalid_limit")
            }
            for cursor in ["x", "c2VxOg", "c2VxOjA", "not*base64", String(repeating: "A", count: 100)] {
                try expectError(await api.call(.get, "\(path)?cursor=\(cursor)", token: ann.token), .badRequest, "invalid_cursor")
            }
            for after in ["-1", "abc", "1.5"] {
                try expectError(await api.call(.get, "\(path)?after=\(after)", token: ann.token), .badRequest, "invalid_after")
            }
            try expectError(await api.call(.get, "\(path)?after=1&cursor=\(MessageCursor.encode(3))", token: ann.token), .badRequest, "invalid_query")
        }
    }

    @Test("a body over 64 KiB gets 413, and malformed JSON 400")
    func bodies() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let huge = "{\"text\":\"" + String(repeating: "a", count: 70 * 1024) + "\"}"
            try expectError(await api.call(.post, "/groups/\(group.id)/messages", token: ann.token, raw: huge), .contentTooLarge, "body_too_large")
            try expectError(await api.call(.post, "/groups/\(group.id)/messages", token: ann.token, raw: "{text: hi}"), .badRequest, "invalid_json")
            try expectError(await api.call(.post, "/groups/\(group.id)/messages", token: ann.token), .badRequest, "invalid_json")
            try expectError(await api.call(.get, "/no/such/route"), .notFound, "not_found")
            let health = try await api.call(.get, "/healthz").decoded(HealthStatus.self)
            #expect(health.status == "ok")
        }
    }
}
