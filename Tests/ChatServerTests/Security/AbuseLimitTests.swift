import ChatCore
import ChatTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import ChatServer

/// The limits that keep one client from locking others out or filling the server, over real sockets.
@Suite("Abuse limits")
struct AbuseLimitTests {
    private static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    @Test("the per-account login limit counts every spelling of one address as one: case, spaces and line breaks")
    func accountKeyNormalised() async throws {
        let tight = ConfigurationChange {
            $0.rateLimitsEnabled = true
            $0.authRatePerAccount = RateLimit(burst: 3, perMinute: 1)
        }
        try await TestApp.run(.live, changing: tight) { api in
            _ = try await api.register("v@x.org", password: "right password")
            // Junk is refused before the limiter, and uses up nothing.
            for junk in ["not an email", "v@", String(repeating: "a", count: 300) + "@x.org"] {
                try expectError(
                    await api.call(.post, "/auth/login", json: LoginRequest(email: junk, password: "guess")),
                    .badRequest,
                    "invalid_email"
                )
            }
            var statuses: [Int] = []
            for spelling in ["v@x.org\n", "\nv@x.org", " V@X.org\t", "v@x.org\r\n"] {
                statuses.append(Int(try await api.call(.post, "/auth/login", json: LoginRequest(email: spelling, password: "guess")).status.code))
            }
            // The registration took one of three; two guesses are 401, then the account is limited.
            #expect(statuses == [401, 401, 429, 429])
        }
    }

    @Test("X-Forwarded-For with fewer entries than TRUST_PROXY counts as the peer; IPv6 clients share a bucket per /64")
    func forwardedForFallbackAndIPv6() async throws {
        let twoProxies = ConfigurationChange {
            $0.rateLimitsEnabled = true
            $0.authRatePerAddress = RateLimit(burst: 2, perMinute: 1)
            $0.trustedProxies = 2
        }
        try await TestApp.run(.live, changing: twoProxies) { api in
            // One entry cannot have come through two proxies: the client wrote it, so the peer address counts.
            var statuses: [Int] = []
            for index in 0..<3 {
                let headers: HTTPFields = [Self.forwardedFor: "198.51.100.\(index)"]
                statuses.append(Int(try await api.call(.post, "/auth/guest", headers: headers).status.code))
            }
            #expect(statuses == [201, 201, 429])
        }
        let oneProxy = ConfigurationChange {
            $0.rateLimitsEnabled = true
            $0.authRatePerAddress = RateLimit(burst: 2, perMinute: 1)
            $0.trustedProxies = 1
        }
        try await TestApp.run(.live, changing: oneProxy) { api in
            var statuses: [Int] = []
            for address in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3", "2001:db8:1:3::1"] {
                let headers: HTTPFields = [Self.forwardedFor: address]
                statuses.append(Int(try await api.call(.post, "/auth/guest", headers: headers).status.code))
            }
            // Three addresses of one /64 share its bucket; the next /64 has its own.
            #expect(statuses == [201, 201, 429, 201])
        }
    }

    @Test("client address keys: IPv4 as is, IPv6 by /64, IPv4-mapped as IPv4, junk bounded")
    func addressBuckets() {
        #expect(ClientAddress.bucket(of: "203.0.113.7") == "203.0.113.7")
        #expect(ClientAddress.bucket(of: "2001:db8:0:1:2:3:4:5") == "2001:db8:0:1::/64")
        #expect(ClientAddress.bucket(of: "[2001:db8::1]") == "2001:db8:0:0::/64")
        #expect(ClientAddress.bucket(of: "fe80::1%eth0") == "fe80:0:0:0::/64")
        #expect(ClientAddress.bucket(of: "::ffff:198.51.100.4") == "198.51.100.4")
        #expect(ClientAddress.bucket(of: String(repeating: "x", count: 5000)).count == 64)
        #expect(ClientAddress.resolve(peer: "10.0.0.1", forwardedFor: ["1.2.3.4"], trustedProxies: 2) == "10.0.0.1")
        #expect(ClientAddress.resolve(peer: "10.0.0.1", forwardedFor: ["1.2.3.4, 5.6.7.8"], trustedProxies: 2) == "1.2.3.4")
        #expect(ClientAddress.resolve(peer: "10.0.0.1", forwardedFor: ["1.2.3.4"], trustedProxies: 0) == "10.0.0.1")
    }

    @Test("typing fans out at most once per 2 s per user and group; the excess is dropped without an error")
    func typingThrottled() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let other = try await api.createGroup(ann.token, name: "Other")
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            _ = try await api.accept(bob.token, invite: try await api.invite(ann.token, group: other.id).token)
            let (annSocket, _) = try await WebSocketProbe.connect(port: port, token: ann.token)
            let (bobSocket, _) = try await WebSocketProbe.connect(port: port, token: bob.token)
            for _ in 0..<20 { try annSocket.send(.typing(groupId: group.id)) }
            // Another group is counted apart.
            try annSocket.send(.typing(groupId: other.id))
            try annSocket.send(.messageSend(groupId: group.id, text: "done typing", clientId: "t-1"))
            var typings: [String] = []
            let message = try await bobSocket.inbox.first { event -> Message? in
                if let typing = event.typing { typings.append(typing.groupId) }
                return event.message
            }
            #expect(message.text == "done typing")
            #expect(typings.sorted() == [group.id, other.id].sorted())
            // Ann's socket got no error for the dropped frames: its next event is the ack of her message.
            let next = try await annSocket.inbox.first { event -> ServerEvent? in
                if case .typing = event { return nil }
                if case .presence = event { return nil }
                return event
            }
            #expect(next.eventError == nil, "\(next)")
            await annSocket.close()
            await bobSocket.close()
        }
    }

    @Test("creating groups and invites is rate limited per user")
    func groupAndInviteRates() async throws {
        let tight = ConfigurationChange {
            $0.rateLimitsEnabled = true
            $0.groupRatePerUser = RateLimit(burst: 2, perMinute: 1)
            $0.inviteRatePerUser = RateLimit(burst: 2, perMinute: 1)
        }
        try await TestApp.run(.live, changing: tight) { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            _ = try await api.createGroup(ann.token)
            let third = try await api.call(.post, "/groups", token: ann.token, json: CreateGroupRequest(name: "Third"))
            try expectError(third, .tooManyRequests, "rate_limited")
            #expect(Int(third.headers[.retryAfter] ?? "") ?? 0 >= 1)
            // Another user is not held back.
            _ = try await api.createGroup(try await api.guest("Bob").token)
            _ = try await api.invite(ann.token, group: group.id)
            _ = try await api.invite(ann.token, group: group.id)
            try expectError(
                await api.call(.post, "/groups/\(group.id)/invites", token: ann.token, json: CreateInviteRequest()),
                .tooManyRequests,
                "rate_limited"
            )
        }
    }

    @Test("a user may own at most MAX_GROUPS_PER_USER groups and have MAX_INVITES_PER_USER live invites")
    func ownershipAndInviteCaps() async throws {
        let capped = ConfigurationChange {
            $0.maxOwnedGroups = 2
            $0.maxLiveInvites = 2
        }
        try await TestApp.run(.live, changing: capped) { api in
            let ann = try await api.guest("Ann")
            let first = try await api.createGroup(ann.token)
            let second = try await api.createGroup(ann.token)
            try expectError(
                await api.call(.post, "/groups", token: ann.token, json: CreateGroupRequest(name: "Third")),
                .forbidden,
                "too_many_groups"
            )
            // Owning fewer makes room again.
            #expect(try await api.call(.delete, "/groups/\(second.id)", token: ann.token).status == .noContent)
            _ = try await api.createGroup(ann.token, name: "Third")

            let one = try await api.invite(ann.token, group: first.id)
            _ = try await api.invite(ann.token, group: first.id, uses: 1)
            let over = try await api.call(.post, "/groups/\(first.id)/invites", token: ann.token, json: CreateInviteRequest())
            try expectError(over, .forbidden, "too_many_invites")
            // A revoked invite no longer counts, and neither does one used up.
            #expect(try await api.call(.delete, "/groups/\(first.id)/invites/\(one.id)", token: ann.token).status == .noContent)
            let single = try await api.invite(ann.token, group: first.id, uses: 1)
            _ = try await api.accept(try await api.guest("Bob").token, invite: single.token)
            _ = try await api.invite(ann.token, group: first.id)
        }
    }

    @Test("bcrypt's queue is bounded: past it, sign-ins get 503 busy with Retry-After at once")
    func bcryptQueueBounded() async throws {
        let slow = ConfigurationChange {
            $0.bcryptCost = 12
            $0.bcryptQueueLimit = 2
        }
        try await TestApp.run(.live, changing: slow) { api in
            let port = try #require(api.client.port)
            _ = try await api.register("slow@example.org", password: "right password")
            let body = String(decoding: try ChatJSON.encoder.encode(LoginRequest(email: "slow@example.org", password: "wrong guess")), as: UTF8.self)
            let request = [
                "POST /auth/login HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json", "Content-Length: \(body.utf8.count)",
                "Connection: close", "", body,
            ].joined(separator: "\r\n")
            let answers = try await withThrowingTaskGroup(of: String.self) { tasks in
                for _ in 0..<10 { tasks.addTask { try await RawHTTP.exchange(port: port, request: request, timeout: .seconds(30)) } }
                return try await tasks.reduce(into: [String]()) { $0.append($1) }
            }
            let busy = answers.filter { $0.hasPrefix("HTTP/1.1 503") }
            let checked = answers.filter { $0.hasPrefix("HTTP/1.1 401") }
            #expect(busy.count + checked.count == 10, "\(answers.map { $0.prefix(20) })")
            #expect(!busy.isEmpty, "ten logins at once against a queue of two: some must be refused")
            #expect(checked.count >= 2)
            for answer in busy {
                #expect(answer.lowercased().contains("retry-after: 1"))
                #expect(answer.contains("\"code\":\"busy\""))
            }
        }
    }
}
