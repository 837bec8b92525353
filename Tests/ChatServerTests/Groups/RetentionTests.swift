import ChatCore
import ChatTestSupport
import Foundation
import HummingbirdTesting
import Testing

@testable import ChatServer

@Suite("Retention settings over REST")
struct RetentionTests {
    @Test("the owner sets a group's retention within the server's, clears it with null; the group shows it and oldestSeq")
    func settings() async throws {
        try await TestApp.run(changing: .init { $0.retentionDays = 30 }) { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            _ = try await api.call(.patch, "/groups/\(group.id)/members/\(bob.user.id)", token: ann.token, json: RoleChangeRequest(role: .admin))
            let path = "/groups/\(group.id)"
            try expectError(await api.call(.patch, path, token: bob.token, raw: #"{"retentionDays":7}"#), .forbidden, "not_owner")
            try expectError(await api.call(.patch, path, token: ann.token, raw: #"{"retentionDays":0}"#), .badRequest, "invalid_retention")
            try expectError(await api.call(.patch, path, token: ann.token, raw: #"{"retentionDays":31}"#), .badRequest, "invalid_retention")
            try expectError(await api.call(.patch, path, token: ann.token, raw: #"{"retentionDays":"week"}"#), .badRequest, "invalid_json")
            // An admin may still rename: an absent retentionDays is no change to it.
            #expect(try await api.call(.patch, path, token: bob.token, raw: #"{"name":"Renamed"}"#).status == .ok)
            let set = try await api.call(.patch, path, token: ann.token, raw: #"{"retentionDays":7}"#).decoded(Group.self)
            #expect(set.retentionDays == 7 && set.name == "Renamed")
            var detail = try await api.call(.get, path, token: bob.token).decoded(GroupDetail.self)
            #expect(detail.group.retentionDays == 7)
            #expect(detail.oldestSeq == 1)
            _ = try await api.send(ann.token, group: group.id, text: "one")
            detail = try await api.call(.get, path, token: bob.token).decoded(GroupDetail.self)
            #expect(detail.oldestSeq == 1 && detail.group.lastSeq == 1)
            let cleared = try await api.call(.patch, path, token: ann.token, raw: #"{"retentionDays":null}"#).decoded(Group.self)
            #expect(cleared.retentionDays == nil)
            let changes = try await api.changes(bob.token, group: group.id, since: 0)
            #expect(changes.group?.retentionDays == nil && changes.group?.name == "Renamed")
        }
    }

    @Test("UpdateGroupRequest tells an absent retentionDays from null")
    func triState() throws {
        let decode = { (json: String) in try ChatJSON.decoder.decode(UpdateGroupRequest.self, from: Data(json.utf8)) }
        #expect(try decode("{}").retentionDays == .none)
        #expect(try decode(#"{"retentionDays":null}"#).retentionDays == .some(nil))
        #expect(try decode(#"{"retentionDays":3}"#).retentionDays == .some(3))
        let encoded = try ChatJSON.encoder.encode(UpdateGroupRequest(retentionDays: .some(nil)))
        #expect(try decode(String(decoding: encoded, as: UTF8.self)).retentionDays == .some(nil))
    }
}
