import ChatCore
import ChatTestSupport
import Foundation
import HummingbirdTesting
import Testing

@testable import ChatServer

@Suite("Persistence across restarts, and the generated secret")
struct PersistenceTests {
    @Test("a restart keeps users, groups, messages and valid tokens, with the secret kept beside the database")
    func restart() async throws {
        let directory = try TemporaryDirectory()
        let databasePath = directory.path("nested/dir/chat.sqlite")
        var configuration = TestApp.configuration(databasePath: databasePath)
        configuration.jwtSecret = nil
        let clock = TestClock()

        let first = try await buildApplication(configuration, clock: clock.wallClock)
        let saved = try await first.test(.router) { client in
            let api = API(client: client, clock: clock, databasePath: databasePath)
            let ann = try await api.register("ann@example.org", password: "a good password", name: "Ann")
            let group = try await api.createGroup(ann.token, name: "Keep")
            let message = try await api.send(ann.token, group: group.id, text: "remember me")
            return (ann, group, message)
        }

        let secretPath = SecretFile.path(forDatabase: databasePath)
        let attributes = try FileManager.default.attributesOfItem(atPath: secretPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: secretPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines).utf8.count == 64)

        let second = try await buildApplication(configuration, clock: clock.wallClock)
        try await second.test(.router) { client in
            let api = API(client: client, clock: clock, databasePath: databasePath)
            let (ann, group, message) = saved
            #expect(try await api.call(.get, "/me", token: ann.token).decoded(User.self) == ann.user)
            let groups = try await api.call(.get, "/groups", token: ann.token).decoded([Group].self)
            #expect(groups.map(\.id) == [group.id])
            #expect(groups.first?.lastSeq == 1)
            #expect(try await api.page(ann.token, group: group.id).messages == [message])
            let login = try await api.call(.post, "/auth/login", json: LoginRequest(email: "ann@example.org", password: "a good password"))
            #expect(login.status == .ok)
            #expect(try await api.send(ann.token, group: group.id, text: "again").seq == 2)
        }
    }

    @Test("a secret shorter than 32 bytes is refused at start")
    func shortSecret() throws {
        #expect {
            try ServerConfiguration.resolve(flags: [:], environment: ["JWT_SECRET": String(repeating: "s", count: 31)], dotEnv: [:])
        } throws: { error in
            (error as? ConfigurationError)?.message.contains("at least 32") == true
        }
        let ok = try ServerConfiguration.resolve(flags: [:], environment: ["JWT_SECRET": String(repeating: "s", count: 32)], dotEnv: [:])
        #expect(ok.jwtSecret?.count == 32)
    }

    @Test("an in-memory database works for tests")
    func memory() async throws {
        var configuration = TestApp.configuration(databasePath: "unused")
        configuration.database = .sqliteMemory
        let app = try await buildApplication(configuration)
        try await app.test(.router) { client in
            let api = API(client: client, clock: TestClock(), databasePath: "")
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            #expect(try await api.send(ann.token, group: group.id, text: "in memory").seq == 1)
            #expect(try await api.page(ann.token, group: group.id).messages.count == 1)
        }
    }
}
