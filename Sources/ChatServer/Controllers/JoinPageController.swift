import ChatCore
import Foundation
import Hummingbird

/// `GET /join/:token`: the page a phone opens after scanning an invite's QR code.
///
/// It shows the group's name, its member count and the invite's expiry, and explains how to join from the
/// terminal. An unknown or revoked invite gets a friendly 404 page, an expired or used-up one a 410 page.
/// Every user-supplied text is HTML-escaped, and the page loads nothing from elsewhere.
struct JoinPageController {
    let service: ChatService

    var endpoints: RouteCollection<ChatRequestContext> {
        RouteCollection(context: ChatRequestContext.self).get(":token", use: self.page)
    }

    @Sendable func page(request: Request, context: ChatRequestContext) async throws -> Response {
        let token = try context.parameters.require("token")
        let url = "\(self.service.publicURL)/join/\(token)"
        switch try await self.service.invitePreview(token) {
        case .success(let preview):
            return Self.html(.ok, JoinPage.invite(preview, url: url, now: self.service.now))
        case .failure(let error):
            return Self.html(error.status, JoinPage.unusable(error))
        }
    }

    private static func html(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        // The URL carries the invite's secret: keep it out of Referer headers, and load nothing else.
        headers[.init("Referrer-Policy")!] = "no-referrer"
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The HTML of the invite landing page.
enum JoinPage {
    static func invite(_ preview: InvitePreview, url: String, now: Date) -> String {
        let members = preview.memberCount == 1 ? "1 member" : "\(preview.memberCount) members"
        let left = preview.maxUses - preview.uses
        let uses = left == 1 ? "1 use left" : "\(left) uses left"
        return self.document(
            title: "Join \(preview.groupName)",
            body: """
                <p class="eyebrow">You are invited to</p>
                <h1>\(escape(preview.groupName))</h1>
                <p>\(members) · expires \(escape(relative(preview.expiresAt, from: now))) \
                (<time datetime="\(Timestamp.format(preview.expiresAt))">\(escape(utc(preview.expiresAt)))</time>) · \(uses)</p>
                <h2>Join from a terminal</h2>
                <pre><code>chat-tui join \(escape(url))</code></pre>
                <p>Or in the chat-tui app, type <code>/join</code> followed by this page's address.</p>
                """
        )
    }

    static func unusable(_ error: ChatError) -> String {
        let (title, text): (String, String) =
            switch error.code {
            case "invite_expired": ("This invite has expired", "Ask the person who invited you for a new one.")
            case "invite_used_up": ("This invite has been used up", "It was valid for a limited number of people. Ask for a new one.")
            default: ("This invite does not exist", "The link may be mistyped, or the invite was revoked. Ask for a new one.")
            }
        return self.document(title: title, body: "<h1>\(escape(title))</h1>\n<p>\(escape(text))</p>")
    }

    private static func document(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">
        <title>\(escape(title))</title>
        <style>
        body { font: 17px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
        h1 { font-size: 1.8rem; margin: .2rem 0 .6rem; overflow-wrap: anywhere; }
        .eyebrow { margin: 0; color: #555; }
        pre { background: #f2f2f2; padding: .8rem; border-radius: .4rem; white-space: pre-wrap; overflow-wrap: anywhere; }
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    /// Text made safe for HTML element content and attribute values.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// `2026-11-27 11:43 UTC`.
    static func utc(_ date: Date) -> String {
        let text = Timestamp.format(date)
        return text.prefix(10) + " " + text.dropFirst(11).prefix(5) + " UTC"
    }

    /// `in 23 hours`, `in 5 minutes`.
    static func relative(_ date: Date, from now: Date) -> String {
        let minutes = Int(max(0, date.timeIntervalSince(now)) / 60)
        if minutes < 1 { return "in less than a minute" }
        if minutes < 60 { return minutes == 1 ? "in 1 minute" : "in \(minutes) minutes" }
        let hours = minutes / 60
        if hours < 48 { return hours == 1 ? "in 1 hour" : "in \(hours) hours" }
        return "in \(hours / 24) days"
    }
}
