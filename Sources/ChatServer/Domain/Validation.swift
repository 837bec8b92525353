import ChatCore
import Foundation

/// The input rules of the API. Lengths count Unicode code points, as SQL's `length()` does.
enum Validation {
    static let displayNameMax = 64
    static let groupNameMax = 100
    static let messageTextMax = 4000
    static let clientIDMax = 64
    static let emailMax = 254
    static let passwordMinCharacters = 8
    /// bcrypt reads at most 72 bytes; longer passwords are refused rather than silently cut.
    static let passwordMaxBytes = 72
    /// The longest password a login reads (longer ones cannot match, and only cost time).
    static let loginPasswordMaxBytes = 1024
    static let inviteHoursRange: ClosedRange<Double> = 0...720
    static let inviteUsesRange: ClosedRange<Int> = 1...1000
    static let pageLimitRange: ClosedRange<Int> = 1...100
    /// Pages of `changes` and of members.
    static let changeLimitRange: ClosedRange<Int> = 1...500
    static let emojiMaxBytes = 32
    /// The most distinct emoji one message may carry.
    static let reactionsPerMessageMax = 20

    /// A display name: trimmed, 1–64 characters, no control characters.
    static func displayName(_ raw: String) throws -> String {
        try trimmedName(raw, max: displayNameMax, field: "displayName", code: "invalid_display_name")
    }

    /// Days of retention a server or a group may set.
    static let retentionDaysRange: ClosedRange<Int> = 1...36500

    /// A group's retention: within ``retentionDaysRange``, and no longer than the server's (`serverLimit`).
    static func retentionDays(_ days: Int, serverLimit: Int?) throws -> Int {
        guard retentionDaysRange.contains(days) else {
            let most = retentionDaysRange.upperBound
            throw ChatError.invalid("invalid_retention", "retentionDays must be from 1 to \(most), or null for the server's.")
        }
        if let serverLimit, days > serverLimit {
            throw ChatError.invalid("invalid_retention", "retentionDays may only shorten the server's retention of \(serverLimit) days.")
        }
        return days
    }

    /// A group name: trimmed, 1–100 characters, no control characters.
    static func groupName(_ raw: String) throws -> String {
        try trimmedName(raw, max: groupNameMax, field: "name", code: "invalid_group_name")
    }

    /// An email address of a plausible shape, returned trimmed.
    static func email(_ raw: String) throws -> String {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let invalid = ChatError.invalid("invalid_email", "email must look like name@example.org (at most \(emailMax) characters).")
        guard email.unicodeScalars.count <= emailMax, !email.unicodeScalars.contains(where: isForbiddenInEmail) else { throw invalid }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else { throw invalid }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }) else { throw invalid }
        return email
    }

    /// The case-insensitive key that makes an email address unique.
    static func emailKey(_ email: String) -> String {
        email.lowercased()
    }

    /// A new password: 8 characters or more, at most 72 bytes of UTF-8, no NUL.
    static func newPassword(_ password: String) throws {
        guard password.count >= passwordMinCharacters else {
            throw ChatError.invalid("password_too_short", "password needs at least \(passwordMinCharacters) characters.")
        }
        guard password.utf8.count <= passwordMaxBytes else {
            throw ChatError.invalid(
                "password_too_long",
                "password may be at most \(passwordMaxBytes) bytes of UTF-8 (bcrypt ignores anything longer)."
            )
        }
        guard !password.unicodeScalars.contains("\0") else {
            throw ChatError.invalid("invalid_password", "password must not contain a NUL character.")
        }
    }

    /// A message text: 1–4000 characters, not only whitespace, no control characters but tab and newlines.
    /// Line ends become `\n` (a lone `\r` would send a terminal's cursor back over the line); bidi controls
    /// stay, since right-to-left writers use them.
    static func messageText(_ raw: String) throws -> String {
        let text = lineEndsNormalised(raw)
        let count = text.unicodeScalars.count
        guard count <= messageTextMax else {
            throw ChatError.invalid("text_too_long", "text may be at most \(messageTextMax) characters.")
        }
        guard count > 0, text.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
            throw ChatError.invalid("text_empty", "text must not be empty.")
        }
        guard !text.unicodeScalars.contains(where: { isControl($0) && !["\t", "\n"].contains($0) }) else {
            throw ChatError.invalid("invalid_text", "text must not contain control characters other than tab and newline.")
        }
        return text
    }

    /// An idempotency key: 1–64 printable characters.
    static func clientID(_ clientID: String?) throws -> String? {
        guard let clientID else { return nil }
        guard (1...clientIDMax).contains(clientID.unicodeScalars.count), !clientID.unicodeScalars.contains(where: isControl) else {
            throw ChatError.invalid("invalid_client_id", "clientId must be 1–\(clientIDMax) printable characters.")
        }
        return clientID
    }

    /// A reaction: one extended grapheme cluster of at most 32 bytes of UTF-8, with no whitespace or control
    /// character, that does not start with a combining mark. `raw` is the path segment, percent-encoded.
    static func emoji(_ raw: String) throws -> String {
        let invalid = ChatError.invalid(
            "invalid_emoji",
            "emoji must be one character (one grapheme cluster) of at most \(emojiMaxBytes) bytes of UTF-8, percent-encoded, with no whitespace or control characters."
        )
        guard raw.utf8.count <= emojiMaxBytes * 3, let emoji = raw.removingPercentEncoding else { throw invalid }
        // A lone combining mark is one grapheme too, but it would draw itself onto whatever precedes it.
        let marks: Set<Unicode.GeneralCategory> = [.nonspacingMark, .spacingMark, .enclosingMark]
        guard emoji.count == 1, (1...emojiMaxBytes).contains(emoji.utf8.count),
            let first = emoji.unicodeScalars.first, !marks.contains(first.properties.generalCategory),
            !emoji.unicodeScalars.contains(where: { $0.properties.isWhitespace || isControl($0) })
        else { throw invalid }
        return emoji
    }

    static let banReasonMax = 500

    /// A ban's reason: trimmed, 1–500 characters, no control characters; an empty one is no reason.
    static func banReason(_ raw: String) throws -> String? {
        let reason = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { return nil }
        guard reason.unicodeScalars.count <= banReasonMax, !reason.unicodeScalars.contains(where: { isControl($0) || isBidiControl($0) }) else {
            throw ChatError.invalid(
                "invalid_reason",
                "reason may be at most \(banReasonMax) characters, with no control or bidirectional formatting characters."
            )
        }
        return reason
    }

    /// A page size from a query parameter: `range`, or `fallback` when absent.
    static func limit(_ raw: String?, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let raw else { return fallback }
        guard let value = Int(raw), range.contains(value) else {
            throw ChatError.invalid("invalid_limit", "limit must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return value
    }

    /// An invite lifetime in hours, within (0, 720].
    static func inviteHours(_ hours: Double?) throws -> Double {
        let hours = hours ?? 24
        guard hours.isFinite, hours > inviteHoursRange.lowerBound, hours <= inviteHoursRange.upperBound else {
            throw ChatError.invalid("invalid_expiry", "expiresInHours must be more than 0 and at most 720.")
        }
        return hours
    }

    /// An invite's number of uses, within 1–1000.
    static func inviteUses(_ uses: Int?) throws -> Int {
        let uses = uses ?? 1
        guard inviteUsesRange.contains(uses) else {
            throw ChatError.invalid("invalid_uses", "uses must be between 1 and 1000.")
        }
        return uses
    }

    private static func trimmedName(_ raw: String, max: Int, field: String, code: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...max).contains(name.unicodeScalars.count) else {
            throw ChatError.invalid(code, "\(field) must be 1–\(max) characters after trimming.")
        }
        guard !name.unicodeScalars.contains(where: isControl) else {
            throw ChatError.invalid(code, "\(field) must not contain control characters.")
        }
        guard !name.unicodeScalars.contains(where: isBidiControl) else {
            throw ChatError.invalid(code, "\(field) must not contain bidirectional formatting characters (U+202A–U+202E, U+2066–U+2069).")
        }
        return name
    }

    /// The embeddings, overrides and isolates that reorder the text after them: in a name they can make it
    /// read as another (or reverse what follows it on the screen).
    static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// `\r\n` and a lone `\r` as `\n`.
    static func lineEndsNormalised(_ text: String) -> String {
        guard text.unicodeScalars.contains("\r") else { return text }
        var scalars = String.UnicodeScalarView()
        var previousCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\r" {
                scalars.append("\n")
                previousCR = true
                continue
            }
            if !(scalar == "\n" && previousCR) { scalars.append(scalar) }
            previousCR = false
        }
        return String(scalars)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control
    }

    private static func isForbiddenInEmail(_ scalar: Unicode.Scalar) -> Bool {
        isControl(scalar) || scalar.properties.isWhitespace || scalar == "<" || scalar == ">" || scalar == "," || scalar == ";"
    }
}
