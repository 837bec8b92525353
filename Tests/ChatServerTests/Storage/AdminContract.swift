import ChatCore
import Foundation
import Testing

@testable import ChatServer

/// Disabling accounts and the admin command's reads, as every backend must carry them out.
enum AdminContract {
    static let t0 = RepositoryContract.t0

    /// Disabling ends every token (announced as a deletion would be) and marks the credentials; enabling undoes it.
    static func disabling(_ repository: any ChatRepository, _ sink: RecordingSink) async throws {
        let ann = RepositoryContract.user("Ann", email: "ann@example.org")
        try await repository.insertUser(ann, passwordHash: "$2b$10$hash")
        #expect(try await repository.setDisabled(ann.id, true, at: t0))
        #expect(try await repository.sessionState(of: ann.id) == .init(version: 1, deleted: true))
        #expect(try await repository.credentials(email: ann.email!)?.disabled == true)
        #expect(sink.recorded.contains(.sessionsEnded(userID: ann.id, version: 1, deleted: true)))
        #expect(try await repository.setDisabled(ann.id, true, at: t0) == false, "already disabled")

        #expect(try await repository.setDisabled(ann.id, false, at: t0))
        #expect(try await repository.sessionState(of: ann.id) == .init(version: 2, deleted: false))
        #expect(try await repository.credentials(email: ann.email!)?.disabled == false)
        #expect(sink.recorded.contains(.sessionsEnded(userID: ann.id, version: 2, deleted: false)))
        #expect(try await repository.setDisabled(ann.id, false, at: t0) == false, "already enabled")
        #expect(try await repository.setDisabled("nobody", true, at: t0) == false)
    }

    /// Lists page by id, one account is found by id or by email in any case, and the counts add up.
    static func reads(_ repository: any AdminRepository, _ sink: RecordingSink) async throws {
        let ann = RepositoryContract.user("Ann", email: "ann@example.org")
        let guests = (0..<4).map { RepositoryContract.user("G\($0)") }
        try await repository.insertUser(ann, passwordHash: "$2b$10$hash")
        for guest in guests { try await repository.insertUser(guest, passwordHash: nil) }
        let group = try await repository.createGroup(id: UUIDv7.make(), name: "Crew", owner: ann.id, at: t0)
        _ = try await SearchContract.post(repository, ["one", "two", "three"], in: group, by: ann, from: 0)
        _ = try await repository.setDisabled(guests[0].id, true, at: t0)

        let first = try await repository.adminUsers(after: nil, limit: 3)
        let rest = try await repository.adminUsers(after: first.last?.id, limit: 3)
        #expect(first.count == 3 && rest.count == 2)
        #expect(Set((first + rest).map(\.id)) == Set([ann.id] + guests.map(\.id)))
        #expect((first + rest).map(\.id) == (first + rest).map(\.id).sorted())

        let shown = try #require(try await repository.adminUser(idOrEmail: "ANN@example.org"))
        #expect(shown.id == ann.id && shown.email == "ann@example.org" && !shown.isGuest)
        #expect(shown.groups == 1 && shown.messages == 3 && shown.disabledAt == nil)
        #expect(try await repository.adminUser(idOrEmail: guests[0].id)?.disabledAt != nil)
        #expect(try await repository.adminUser(idOrEmail: "nobody@example.org") == nil)

        let groups = try await repository.adminGroups(after: nil, limit: 10)
        #expect(groups.map(\.id) == [group.id])
        let detail = try #require(try await repository.adminGroup(id: group.id))
        #expect(detail.name == "Crew" && detail.members == 1 && detail.messages == 3 && detail.lastSeq == 3)
        #expect(detail.moderators == [AdminMember(userID: ann.id, displayName: "Ann", role: "owner")])
        #expect(try await repository.adminGroup(id: "missing") == nil)

        let stats = try await repository.adminStats()
        #expect((stats.users, stats.guests, stats.disabledUsers, stats.deletedUsers) == (5, 4, 1, 0))
        #expect((stats.groups, stats.messages) == (1, 3))
        #expect(stats.databaseBytes > 0)
    }
}
