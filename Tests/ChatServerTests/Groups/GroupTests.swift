import ChatCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import ChatServer

@Suite("Groups: creation, listing, detail and privacy")
struct GroupTests {
    @Test("creating a group returns 201 and makes the creator its owner")
    func create() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let response = try await api.call(.post, "/groups", token: ann.token, json: CreateGroupRequest(name: "  Book club "))
            let group = try response.decoded(Group.self, status: .created)
            #expect(group.name == "Book club")
            #expect(group.role == .owner)
            #expect(group.memberCount == 1)
            #expect(group.lastSeq == 0)
            #expect(group.rev == 0)
            #expect(group.readSeq == 0)
            #expect(group.unreadCount == 0)
            #expect(
                try response.jsonObject.keys.sorted() == [
                    "createdAt", "id", "invitePolicy", "lastSeq", "memberCount", "name", "readSeq", "rev", "role", "unreadCount",
                ]
            )
        }
    }

    @Test("a name is 1–100 characters after trimming")
    func names() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            for bad in ["", "  \n ", String(repeating: "n", count: 101), "tab\there"] {
                try expectError(
                    await api.call(.post, "/groups", token: ann.token, json: CreateGroupRequest(name: bad)),
                    .badRequest,
                    "invalid_group_name"
                )
            }
            #expect(try await api.createGroup(ann.token, name: String(repeating: "n", count: 100)).name.count == 100)
            try expectError(await api.call(.post, "/groups", token: ann.token, raw: "{}"), .badRequest, "invalid_json")
            try expectError(await api.call(.post, "/groups", token: ann.token, raw: "[1,2]"), .badRequest, "invalid_json")
            try expectError(await api.call(.post, "/groups", token: ann.token, raw: "{\"name\":"), .badRequest, "invalid_json")
            try expectError(await api.call(.post, "/groups", json: CreateGroupRequest(name: "x")), .unauthorized, "invalid_token")
        }
    }

    @Test("GET /groups lists only the caller's groups, most recently active first")
    func listing() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let bob = try await api.guest("Bob")
            let first = try await api.createGroup(ann.token, name: "first")
            api.clock.advance(by: 1)
            let second = try await api.createGroup(ann.token, name: "second")
            api.clock.advance(by: 1)
            _ = try await api.createGroup(bob.token, name: "bob's")
            var groups = try await api.call(.get, "/groups", token: ann.token).decoded([Group].self)
            #expect(groups.map(\.id) == [second.id, first.id])
            api.clock.advance(by: 1)
            _ = try await api.send(ann.token, group: first.id, text: "bump")
            groups = try await api.call(.get, "/groups", token: ann.token).decoded([Group].self)
            #expect(groups.map(\.id) == [first.id, second.id])
            #expect(groups[0].lastSeq == 1)
        }
    }

    @Test("GET /groups/:id gives the members with roles; a non-member gets the same 404 as an unknown id")
    func detail() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            api.clock.advance(by: 1)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let detail = try await api.call(.get, "/groups/\(group.id)", token: bob.token).decoded(GroupDetail.self)
            #expect(detail.group.role == .member)
            #expect(detail.group.memberCount == 2)
            #expect(detail.members.map(\.user.displayName) == ["Ann", "Bob"])
            #expect(detail.members.map(\.role) == [.owner, .member])

            let eve = try await api.guest("Eve")
            let hidden = try await api.call(.get, "/groups/\(group.id)", token: eve.token)
            let unknown = try await api.call(.get, "/groups/\(UUIDv7.make())", token: eve.token)
            try expectError(hidden, .notFound, "group_not_found")
            #expect(hidden.body == unknown.body)
        }
    }

    @Test("every group route hides the group from non-members with 404")
    func nonMembers() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let invite = try await api.invite(ann.token, group: group.id)
            let eve = try await api.guest("Eve")
            let calls: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/groups/\(group.id)", nil),
                (.get, "/groups/\(group.id)/messages", nil),
                (.get, "/groups/\(group.id)/messages?after=0", nil),
                (.post, "/groups/\(group.id)/messages", #"{"text":"hi"}"#),
                (.post, "/groups/\(group.id)/invites", "{}"),
                (.get, "/groups/\(group.id)/invites", nil),
                (.delete, "/groups/\(group.id)/invites/\(invite.id)", nil),
            ]
            for (method, path, body) in calls {
                try expectError(await api.call(method, path, token: eve.token, raw: body), .notFound, "group_not_found")
                try expectError(await api.call(method, path, raw: body), .unauthorized, "invalid_token")
            }
        }
    }
}
