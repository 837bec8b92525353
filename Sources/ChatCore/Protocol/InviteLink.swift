import Foundation

/// Invite URLs: `PUBLIC_URL/join/TOKEN`.
public enum InviteLink {
    /// The token in an invite URL, or the text itself when it is a bare token (trimmed either way).
    public static func token(from text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let range = trimmed.range(of: "/join/", options: .backwards) else { return trimmed }
        return String(trimmed[range.upperBound...].prefix { $0 != "?" && $0 != "#" && $0 != "/" })
    }

    /// The URL that carries `token`, under `base` (without a trailing slash).
    public static func url(base: String, token: String) -> String {
        "\(base)/join/\(token)"
    }
}
