import ChatCore
import ChatTestSupport
import Foundation
import HummingbirdTesting
import Testing

@testable import ChatServer

@Suite("Search over REST")
struct SearchTests {
    /// `GET /search` with `q` percent-encoded as a browser's form would (spaces as `+`).
    static func search(_ api: API, _ token: String, _ text: String, extra: String = "") async throws -> TestResponse {
        let encoded = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: " ")))!
            .replacingOccurrences(of: " ", with: "+")
        return try await api.call(.get, "/search?q=\(encoded)\(extra)", token: token)
    }

    @Test("hits are the caller's messages, newest first, with highlights, paged by cursor")
    func hitsAndPages() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            var sent: [Message] = []
            for text in ["Deploy the release", "the release is out", "Release notes: see the release page", "unrelated"] {
                sent.append(try await api.send(ann.token, group: group.id, text: text))
            }
            let page = try await Self.search(api, bob.token, "release -notes", extra: "&limit=1").decoded(SearchPage.self)
            #expect(page.hits.map(\.message.id) == [sent[1].id])
            #expect(page.hits.first?.highlights == [TextRange(start: 4, length: 7)])
            let cursor = try #require(page.nextCursor)
            let next = try await Self.search(api, bob.token, "release -notes", extra: "&limit=1&cursor=\(cursor)").decoded(SearchPage.self)
            #expect(next.hits.map(\.message.id) == [sent[0].id])
            #expect(next.hits.first?.highlights == [TextRange(start: 11, length: 7)])
            #expect(next.nextCursor == nil)
            let both = try await Self.search(api, bob.token, "\"the release\"", extra: "&group=\(group.id)").decoded(SearchPage.self)
            #expect(both.hits.map(\.message.id) == [sent[2].id, sent[1].id, sent[0].id])
            #expect(both.hits.first?.highlights == [TextRange(start: 19, length: 11)])
        }
    }

    @Test("no q, a long q, a bad cursor or limit: 400; another group's id: 404; no words: an empty page")
    func errors() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let eve = try await api.guest("Eve")
            let group = try await api.createGroup(ann.token)
            _ = try await api.send(ann.token, group: group.id, text: "hello there")
            try expectError(await api.call(.get, "/search", token: ann.token), .badRequest, "invalid_query")
            try expectError(await api.call(.get, "/search?q=+++", token: ann.token), .badRequest, "invalid_query")
            try expectError(await Self.search(api, ann.token, String(repeating: "a", count: 257)), .badRequest, "invalid_query")
            let many = (1...17).map { "w\($0)" }.joined(separator: " ")
            try expectError(await Self.search(api, ann.token, many), .badRequest, "invalid_query")
            try expectError(await Self.search(api, ann.token, "hello", extra: "&cursor=nope"), .badRequest, "invalid_cursor")
            try expectError(await Self.search(api, ann.token, "hello", extra: "&limit=0"), .badRequest, "invalid_limit")
            try expectError(await Self.search(api, eve.token, "hello", extra: "&group=\(group.id)"), .notFound, "group_not_found")
            try expectError(await Self.search(api, eve.token, "hello", extra: "&group=missing"), .notFound, "group_not_found")
            #expect(try await api.call(.get, "/search?q=hello").status == .unauthorized)
            #expect(try await Self.search(api, eve.token, "hello").decoded(SearchPage.self).hits.isEmpty)
            for text in ["*", "\"", ":", "-hello", "NEAR(", "()"] {
                let page = try await Self.search(api, ann.token, text).decoded(SearchPage.self)
                #expect(page.hits.isEmpty, "\(text)")
            }
            #expect(try await Self.search(api, ann.token, "NEAR(hello").decoded(SearchPage.self).hits.isEmpty)
            #expect(try await Self.search(api, ann.token, "hello:").decoded(SearchPage.self).hits.count == 1)
        }
    }
}
