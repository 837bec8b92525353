import ChatCore
import ChatTestSupport
import Foundation
import HummingbirdTesting
import Testing

@testable import ChatServer

@Suite("Accounts: guests, registration, login and /me")
struct AuthTests {
    @Test("a guest gets 201 with a token and a user, named or not")
    func guest() async throws {
        try await TestApp.run { api in
            let named = try await api.guest("  Ann  ")
            #expect(named.user.displayName == "Ann")
            #expect(named.user.isGuest)
            #expect(named.user.email == nil)
            let response = try await api.call(.post, "/auth/guest")
            let anonymous = try response.decoded(AuthResponse.self, status: .created)
            #expect(anonymous.user.displayName.hasPrefix("Guest "))
            let user = try response.jsonObject["user"] as? [String: Any]
            #expect(user?.keys.sorted() == ["createdAt", "displayName", "email", "id", "isGuest"])
            #expect(user?["email"] is NSNull)
        }
    }

    @Test("display names are 1–64 characters after trimming, without control characters")
    func displayNames() async throws {
        try await TestApp.run { api in
            for bad in ["", "   ", String(repeating: "x", count: 65), "a\u{7}b", "new\nline"] {
                try expectError(await api.call(.post, "/auth/guest", json: GuestRequest(displayName: bad)), .badRequest, "invalid_display_name")
            }
            #expect(try await api.guest(String(repeating: "é", count: 64)).user.displayName.count == 64)
            try expectError(await api.call(.post, "/auth/guest", raw: #"{"displayName": 7}"#), .badRequest, "invalid_json")
        }
    }

    @Test("register returns 201, and login returns 200 with a working token")
    func registerAndLogin() async throws {
        try await TestApp.run { api in
            let registered = try await api.register("Ann@Example.org", password: "s3cret-enough", name: "Ann")
            #expect(registered.user.email == "Ann@Example.org")
            #expect(!registered.user.isGuest)
            let login = try await api.call(.post, "/auth/login", json: LoginRequest(email: "ann@example.ORG", password: "s3cret-enough"))
            let session = try login.decoded(AuthResponse.self)
            #expect(session.user == registered.user)
            let me = try await api.call(.get, "/me", token: session.token).decoded(User.self)
            #expect(me == registered.user)
        }
    }

    @Test("registration checks the email, the password and the name")
    func registrationValidation() async throws {
        try await TestApp.run { api in
            func register(_ email: String, _ password: String, _ name: String) async throws -> TestResponse {
                try await api.call(.post, "/auth/register", json: RegisterRequest(email: email, password: password, displayName: name))
            }
            for email in ["", "plain", "@example.org", "a@", "a@b", "a b@example.org", "a@exa mple.org", "a@@example.org"] {
                try expectError(await register(email, "long enough", "Ann"), .badRequest, "invalid_email")
            }
            try expectError(await register("a@example.org", "short", "Ann"), .badRequest, "password_too_short")
            try expectError(await register("a@example.org", String(repeating: "p", count: 73), "Ann"), .badRequest, "password_too_long")
            // 72 bytes of UTF-8 are fine; 24 three-byte characters make 72, and 25 make 75.
            _ = try await register("b@example.org", String(repeating: "€", count: 24), "Ann").decoded(AuthResponse.self, status: .created)
            try expectError(await register("c@example.org", String(repeating: "€", count: 25), "Ann"), .badRequest, "password_too_long")
            try expectError(await register("a@example.org", "long enough", " "), .badRequest, "invalid_display_name")
            try expectError(
                await api.call(.post, "/auth/register", raw: #"{"email":"a@example.org","password":"long enough"}"#),
                .badRequest,
                "invalid_json"
            )
        }
    }

    @Test("an email is unique without regard to case: a duplicate gets 409")
    func duplicateEmail() async throws {
        try await TestApp.run { api in
            _ = try await api.register("dup@example.org")
            let again = try await api.call(
                .post,
                "/auth/register",
                json: RegisterRequest(email: "DUP@example.ORG", password: "whatever123", displayName: "X")
            )
            try expectError(again, .conflict, "email_taken")
        }
    }

    @Test("a failed login has one identical 401 body whether the email exists or not")
    func loginFailuresLookAlike() async throws {
        try await TestApp.run { api in
            _ = try await api.register("known@example.org", password: "right password")
            let wrongPassword = try await api.call(.post, "/auth/login", json: LoginRequest(email: "known@example.org", password: "wrong password"))
            let unknownEmail = try await api.call(.post, "/auth/login", json: LoginRequest(email: "nobody@example.org", password: "wrong password"))
            let tooLong = try await api.call(
                .post,
                "/auth/login",
                json: LoginRequest(email: "known@example.org", password: String(repeating: "x", count: 100))
            )
            #expect(wrongPassword.status == .unauthorized)
            #expect(wrongPassword.body == unknownEmail.body)
            #expect(wrongPassword.body == tooLong.body)
            #expect(unknownEmail.status == .unauthorized)
            try expectError(wrongPassword, .unauthorized, "invalid_credentials")
        }
    }

    @Test("passwords are stored as bcrypt hashes of the configured cost, never in clear")
    func passwordStorage() async throws {
        try await TestApp.run(changing: .init { $0.bcryptCost = 10 }) { api in
            let user = try await api.register("hash@example.org", password: "plain text password").user
            let database = try await TestDatabase.open(api.databasePath)
            let hash = try await database.scalarText("SELECT password_hash FROM users WHERE id = ?", [.text(user.id)])
            await database.close()
            #expect(hash?.hasPrefix("$2b$10$") == true)
            #expect(hash?.contains("plain text password") == false)
        }
        #expect(ServerConfiguration().bcryptCost >= 10)
    }

    @Test("/me needs a valid bearer token")
    func meNeedsAToken() async throws {
        try await TestApp.run { api in
            try expectError(await api.call(.get, "/me"), .unauthorized, "invalid_token")
            try expectError(await api.call(.get, "/me", token: "not.a.jwt"), .unauthorized, "invalid_token")
            try expectError(await api.call(.get, "/me", headers: [.authorization: "Basic abc"]), .unauthorized, "invalid_token")
            let response = try await api.call(.get, "/me")
            #expect(response.headers[.wwwAuthenticate] == "Bearer")
        }
    }
}
