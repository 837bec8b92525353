import ChatCore
import Foundation
import HummingbirdTesting
import Testing

@testable import ChatServer

@Suite("The invite landing page, GET /join/:token")
struct JoinPageTests {
    @Test("a valid invite shows the group's name, member count, expiry and how to join")
    func valid() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token, name: "Book <club> & \"friends\"")
            let invite = try await api.invite(ann.token, group: group.id, hours: 5, uses: 3)
            let response = try await api.call(.get, "/join/\(invite.token)")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            #expect(response.headers[.init("Referrer-Policy")!] == "no-referrer")
            let html = String(buffer: response.body)
            #expect(html.contains("Book &lt;club&gt; &amp; &quot;friends&quot;"))
            #expect(!html.contains("<club>"))
            #expect(html.contains("1 member"))
            #expect(html.contains("3 uses left"))
            #expect(html.contains("expires in 5 hours"))
            #expect(html.contains("chat-tui join https://chat.example.org/join/\(invite.token)"))
            // Looking at the page consumes nothing.
            #expect(try await api.call(.get, "/groups/\(group.id)/invites", token: ann.token).decoded([InviteSummary].self).first?.uses == 0)
        }
    }

    @Test("unknown and revoked invites get a friendly 404 page; expired and used-up ones a 410 page")
    func unusable() async throws {
        try await TestApp.run { api in
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let unknown = try await api.call(.get, "/join/no-such-token")
            #expect(unknown.status == .notFound)
            #expect(String(buffer: unknown.body).contains("This invite does not exist"))

            let revoked = try await api.invite(ann.token, group: group.id)
            _ = try await api.call(.delete, "/groups/\(group.id)/invites/\(revoked.id)", token: ann.token)
            #expect(try await api.call(.get, "/join/\(revoked.token)").status == .notFound)

            let single = try await api.invite(ann.token, group: group.id)
            _ = try await api.accept(try await api.guest("Bob").token, invite: single.token)
            let usedUp = try await api.call(.get, "/join/\(single.token)")
            #expect(usedUp.status == .gone)
            #expect(String(buffer: usedUp.body).contains("used up"))

            let shortLived = try await api.invite(ann.token, group: group.id, hours: 1)
            api.clock.advance(by: 3601)
            let expired = try await api.call(.get, "/join/\(shortLived.token)")
            #expect(expired.status == .gone)
            #expect(String(buffer: expired.body).contains("expired"))
            #expect(expired.headers[.contentType] == "text/html; charset=utf-8")
        }
    }

    @Test("escaping covers every character that matters in HTML")
    func escaping() {
        #expect(JoinPage.escape(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(JoinPage.relative(Date(timeIntervalSince1970: 7200), from: Date(timeIntervalSince1970: 0)) == "in 2 hours")
        #expect(JoinPage.relative(Date(timeIntervalSince1970: 3 * 86400), from: Date(timeIntervalSince1970: 0)) == "in 3 days")
    }
}
