import ChatCore
import ChatTestSupport
import Foundation
import Testing

@testable import ChatServer

/// Full-text search, as every backend must answer it.
enum SearchContract {
    static let t0 = RepositoryContract.t0

    /// The ids of the messages that `text` finds for `userID`, newest first, every page of `pageSize` read.
    static func ids(
        _ repository: any ChatRepository,
        _ text: String,
        as userID: String,
        in groupID: String? = nil,
        pageSize: Int = 50
    ) async throws -> [String] {
        let query = SearchQuery(parsing: text)
        guard query.canMatch else { return [] }
        var found: [String] = []
        var cursor: SearchCursor?
        while true {
            let page = try await repository.search(query, userID: userID, groupID: groupID, before: cursor, limit: pageSize)
            found += page.map(\.message.id)
            guard page.count == pageSize, let last = page.last else { return found }
            cursor = last.cursor
        }
    }

    /// Posts `texts` in order, one second apart, and returns their ids.
    static func post(_ repository: any ChatRepository, _ texts: [String], in group: Group, by sender: User, from start: Int) async throws -> [String]
    {
        var ids: [String] = []
        for (offset, text) in texts.enumerated() {
            let draft = MessageDraft(
                id: UUIDv7.make(),
                groupID: group.id,
                senderID: sender.id,
                text: text,
                clientID: nil,
                createdAt: t0.addingTimeInterval(TimeInterval(start + offset))
            )
            ids.append(try await repository.appendMessage(draft).message.id)
        }
        return ids
    }

    /// Words, phrases, prefixes and exclusions; other scripts; only the caller's groups; newest first, paged.
    static func syntax(_ repository: any ChatRepository) async throws {
        let (ann, bob, cat) = (RepositoryContract.user("Ann"), RepositoryContract.user("Bob"), RepositoryContract.user("Cat"))
        let shared = try await RepositoryContract.group(repository, name: "Shared", owner: ann, others: [bob])
        let other = try await RepositoryContract.group(repository, name: "Other", owner: cat, others: [])
        let m = try await post(
            repository,
            [
                "The quick brown fox", "A brown dog, not quick", "quickly, said the fox", "Привет, мир", "Καλημέρα κόσμε",
                "東京都に住んでいます", "Café au lait", "deploy v2 with user_id=42",
            ],
            in: shared,
            by: ann,
            from: 0
        )
        let hidden = try await post(repository, ["the quick fox of another group"], in: other, by: cat, from: 100)

        #expect(try await ids(repository, "quick", as: bob.id) == [m[1], m[0]])
        #expect(try await ids(repository, "QUICK Fox", as: bob.id) == [m[0]])
        #expect(try await ids(repository, "quick*", as: bob.id) == [m[2], m[1], m[0]])
        #expect(try await ids(repository, "\"brown quick\"", as: bob.id) == [])
        #expect(try await ids(repository, "\"brown fox\"", as: bob.id) == [m[0]])
        #expect(try await ids(repository, "brown -dog", as: bob.id) == [m[0]])
        #expect(try await ids(repository, "мир", as: bob.id) == [m[3]])
        #expect(try await ids(repository, "κόσμε", as: bob.id) == [m[4]])
        #expect(try await ids(repository, "東京", as: bob.id) == [m[5]])
        #expect(try await ids(repository, "住ん", as: bob.id) == [m[5]])
        #expect(try await ids(repository, "京東", as: bob.id) == [])
        #expect(try await ids(repository, "café", as: bob.id) == [m[6]])
        #expect(try await ids(repository, "user_id=42", as: bob.id) == [m[7]])
        #expect(try await ids(repository, "deploy", as: bob.id, in: shared.id) == [m[7]])
        // Another group's messages are the other group's members' alone.
        #expect(try await ids(repository, "fox", as: bob.id) == [m[2], m[0]])
        #expect(try await ids(repository, "fox", as: cat.id) == hidden)
        #expect(try await ids(repository, "fox", as: cat.id, in: shared.id) == [])

        // Pages of one or two hits: each hit once, newest first.
        for size in [1, 2] {
            #expect(try await ids(repository, "the", as: ann.id, pageSize: size) == [m[2], m[0]])
        }
        // What a user may type as search syntax of the engines is text: no error, whatever it finds.
        let typed = [
            "NEAR(", "NEAR(quick fox)", "*", "\"", ":", "quick:", "body:quick", "{body}: fox", "^quick", "quick AND", "OR fox",
            "NOT", "(", ")", "'", "''", "\\", "!", "&", "|", "<->", "fox:*", "-", "--fox", "\"unclosed", "a\"b", "*fox", "f*o*x",
            "\u{0}", "%", "_", "quick -", "-\"brown fox\"", "x\" OR \"y",
        ]
        for text in typed {
            _ = try await ids(repository, text, as: ann.id)
        }
        #expect(try await ids(repository, "(fox)", as: ann.id) == [m[2], m[0]])
    }

    /// The index follows every change: an edit is found by its new words only, a deletion not at all, and a
    /// deleted group's messages are gone.
    static func changes(_ repository: any ChatRepository) async throws {
        let (ann, bob) = (RepositoryContract.user("Ann"), RepositoryContract.user("Bob"))
        let group = try await RepositoryContract.group(repository, name: "Edits", owner: ann, others: [bob])
        let m = try await post(repository, ["original words here", "doomed words", "kept words"], in: group, by: ann, from: 0)
        _ = try await repository.editMessage(MessageEdit(groupID: group.id, messageID: m[0], editorID: ann.id, text: "rewritten text", at: t0))
        #expect(try await ids(repository, "original", as: bob.id) == [])
        #expect(try await ids(repository, "rewritten", as: bob.id) == [m[0]])
        _ = try await repository.deleteMessage(MessageDeletion(groupID: group.id, messageID: m[1], userID: ann.id, at: t0))
        #expect(try await ids(repository, "doomed", as: bob.id) == [])
        #expect(try await ids(repository, "words", as: bob.id) == [m[2]])
        // A hit carries the message as it is now, with its reactions.
        _ = try await repository.setReaction(ReactionChange(groupID: group.id, messageID: m[2], userID: bob.id, emoji: "👍", present: true))
        let hit = try #require(try await repository.search(SearchQuery(parsing: "kept"), userID: bob.id, groupID: nil, before: nil, limit: 5).first)
        #expect(hit.message.reactions.map(\.emoji) == ["👍"])
        #expect(hit.message.text == "kept words")

        let later = try await post(repository, ["words after the edits"], in: group, by: bob, from: 10)
        #expect(try await ids(repository, "words", as: ann.id) == later + [m[2]])
        _ = try await repository.moderate(.delete, in: group.id, by: ann.id, at: t0)
        #expect(try await ids(repository, "words", as: ann.id) == [])
    }
}
