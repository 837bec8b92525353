import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Typed calls to every endpoint of chat-server, over AsyncHTTPClient.
///
/// Errors are ``APIError``s: the server's own `{"error":…}` body, an unreachable server, or an unreadable
/// answer.
public struct APIClient: Sendable {
    /// The server's base URL, without a trailing slash (`http://127.0.0.1:4000`).
    public let baseURL: String
    /// The bearer token sent with each call, if signed in.
    public var token: String?
    /// How long one call may take.
    public var timeout: Duration
    private let http: HTTPClient

    /// A client shared by every `APIClient` that fails fast when the server refuses connections: the callers
    /// (the sync engine, the CLI) decide about retrying, and a refused connection should say so at once
    /// rather than after the whole timeout.
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public init(baseURL: String, token: String? = nil, timeout: Duration = .seconds(15), http: HTTPClient = APIClient.sharedHTTPClient) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.timeout = timeout
        self.http = http
    }

    /// The same client with another token.
    public func authenticated(_ token: String) -> APIClient {
        var copy = self
        copy.token = token
        return copy
    }

    // MARK: Endpoints

    public func health() async throws(APIError) -> HealthStatus {
        try await self.call(.GET, "/healthz")
    }

    public func guest(displayName: String? = nil) async throws(APIError) -> AuthResponse {
        try await self.call(.POST, "/auth/guest", body: GuestRequest(displayName: displayName))
    }

    public func register(email: String, password: String, displayName: String) async throws(APIError) -> AuthResponse {
        try await self.call(.POST, "/auth/register", body: RegisterRequest(email: email, password: password, displayName: displayName))
    }

    public func login(email: String, password: String) async throws(APIError) -> AuthResponse {
        try await self.call(.POST, "/auth/login", body: LoginRequest(email: email, password: password))
    }

    public func me() async throws(APIError) -> User {
        try await self.call(.GET, "/me")
    }

    public func groups() async throws(APIError) -> [Group] {
        try await self.call(.GET, "/groups")
    }

    public func createGroup(name: String) async throws(APIError) -> Group {
        try await self.call(.POST, "/groups", body: CreateGroupRequest(name: name))
    }

    public func group(id: String) async throws(APIError) -> GroupDetail {
        try await self.call(.GET, "/groups/\(Self.escape(id))")
    }

    public func createInvite(
        groupID: String,
        expiresInHours: Double? = nil,
        uses: Int? = nil,
        requireApproval: Bool? = nil
    ) async throws(APIError) -> Invite {
        let body = CreateInviteRequest(expiresInHours: expiresInHours, uses: uses, requireApproval: requireApproval)
        return try await self.call(.POST, "/groups/\(Self.escape(groupID))/invites", body: body)
    }

    public func invites(groupID: String) async throws(APIError) -> [InviteSummary] {
        try await self.call(.GET, "/groups/\(Self.escape(groupID))/invites")
    }

    public func revokeInvite(groupID: String, inviteID: String) async throws(APIError) {
        let _: Empty = try await self.call(.DELETE, "/groups/\(Self.escape(groupID))/invites/\(Self.escape(inviteID))")
    }

    /// Joins with an invite token, or with an invite URL (`…/join/TOKEN`); for an invite that needs approval, the
    /// answer holds the request instead of the group.
    public func acceptInvite(_ tokenOrURL: String) async throws(APIError) -> AcceptInviteResponse {
        try await self.call(.POST, "/invites/\(Self.escape(InviteLink.token(from: tokenOrURL)))/accept")
    }

    public func sendMessage(groupID: String, text: String, clientID: String?, replyTo: String? = nil) async throws(APIError) -> Message {
        try await self.call(
            .POST,
            "/groups/\(Self.escape(groupID))/messages",
            body: SendMessageRequest(text: text, clientId: clientID, replyTo: replyTo)
        )
    }

    /// Replaces the text of one of the user's own messages.
    public func editMessage(groupID: String, messageID: String, text: String) async throws(APIError) -> Message {
        try await self.call(.PATCH, "/groups/\(Self.escape(groupID))/messages/\(Self.escape(messageID))", body: EditMessageRequest(text: text))
    }

    /// Deletes a message (the user's own, or any as the group's owner or an admin); deleting twice is fine.
    public func deleteMessage(groupID: String, messageID: String) async throws(APIError) {
        let _: Empty = try await self.call(.DELETE, "/groups/\(Self.escape(groupID))/messages/\(Self.escape(messageID))")
    }

    /// Adds (`present`) or removes the user's reaction; the answer is the message as it now is.
    public func react(groupID: String, messageID: String, emoji: String, present: Bool = true) async throws(APIError) -> Message {
        let path = "/groups/\(Self.escape(groupID))/messages/\(Self.escape(messageID))/reactions/\(Self.escapeSegment(emoji))"
        return try await self.call(present ? .PUT : .DELETE, path)
    }

    /// Moves the user's read marker in a group forward to `seq`.
    public func markRead(groupID: String, seq: Int64) async throws(APIError) {
        let _: Empty = try await self.call(.PUT, "/groups/\(Self.escape(groupID))/read", body: ReadRequest(seq: seq))
    }

    /// One page of what changed in a group after `since` (a `rev`).
    public func changes(groupID: String, since: Int64, limit: Int = 100) async throws(APIError) -> ChangePage {
        try await self.call(.GET, "/groups/\(Self.escape(groupID))/changes?since=\(since)&limit=\(limit)")
    }

    /// One page of a group's members, with their presence.
    public func members(groupID: String, cursor: String? = nil, limit: Int = 100) async throws(APIError) -> MemberPage {
        var query = "?limit=\(limit)"
        if let cursor { query += "&cursor=\(Self.escapeSegment(cursor))" }
        return try await self.call(.GET, "/groups/\(Self.escape(groupID))/members\(query)")
    }

    /// Every member of a group with their presence, page after page.
    public func allMembers(groupID: String) async throws(APIError) -> [MemberPresence] {
        var members: [MemberPresence] = []
        var cursor: String?
        repeat {
            let page = try await self.members(groupID: groupID, cursor: cursor, limit: 500)
            members += page.members
            cursor = page.nextCursor
        } while cursor != nil
        return members
    }

    /// The newest page (no cursor), or the page older than `cursor`.
    public func messages(groupID: String, limit: Int = 30, cursor: String? = nil) async throws(APIError) -> MessagePage {
        var query = "?limit=\(limit)"
        if let cursor { query += "&cursor=\(Self.escape(cursor))" }
        return try await self.call(.GET, "/groups/\(Self.escape(groupID))/messages\(query)")
    }

    /// The messages with `seq > after`, ascending.
    public func messages(groupID: String, after: Int64, limit: Int = 100) async throws(APIError) -> MessagePage {
        try await self.call(.GET, "/groups/\(Self.escape(groupID))/messages?after=\(after)&limit=\(limit)")
    }

    /// Every message with `seq > after`, page after page, until none is missing.
    public func catchUp(groupID: String, after: Int64, pageSize: Int = 100) async throws(APIError) -> [Message] {
        var collected: [Message] = []
        var last = after
        while true {
            let page = try await self.messages(groupID: groupID, after: last, limit: pageSize)
            collected += page.messages
            guard page.hasMore, let newest = page.messages.last?.seq else { return collected }
            last = newest
        }
    }

    // MARK: Transport

    struct Empty: Decodable {}

    func call<Response: Decodable>(_ method: HTTPMethod, _ path: String) async throws(APIError) -> Response {
        try await self.perform(method, path, body: nil)
    }

    func call<Response: Decodable>(_ method: HTTPMethod, _ path: String, body: some Encodable) async throws(APIError) -> Response {
        let data: Data
        do {
            data = try ChatJSON.encoder.encode(body)
        } catch {
            throw .invalidResponse("could not encode the request: \(error)")
        }
        return try await self.perform(method, path, body: data)
    }

    private func perform<Response: Decodable>(_ method: HTTPMethod, _ path: String, body: Data?) async throws(APIError) -> Response {
        var request = HTTPClientRequest(url: self.baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "chat-core")
        if let token = self.token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let status: Int
        let buffer: ByteBuffer
        do {
            let response = try await self.http.execute(request, timeout: .init(self.timeout))
            status = Int(response.status.code)
            buffer = try await response.body.collect(upTo: 16 * 1024 * 1024)
        } catch {
            throw .unreachable(Self.describe(error))
        }
        let data = Data(buffer.readableBytesView)
        guard (200..<300).contains(status) else {
            if let body = try? ChatJSON.decoder.decode(ErrorBody.self, from: data) {
                throw .server(status: status, code: body.error.code, message: body.error.message)
            }
            throw .server(status: status, code: "http_\(status)", message: "The server answered HTTP \(status).")
        }
        if Response.self == Empty.self, let empty = Empty() as? Response { return empty }
        do {
            return try ChatJSON.decoder.decode(Response.self, from: data)
        } catch {
            throw .invalidResponse("\(Response.self): \(error)")
        }
    }

    private static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") { return "timed out" }
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return text.count > 120 ? String(text.prefix(120)) + "…" : text
    }

    static func escape(_ component: String) -> String {
        component.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#&="))) ?? component
    }

    /// Percent-encodes everything but unreserved characters (RFC 3986), for values such as an emoji or a cursor.
    static func escapeSegment(_ component: String) -> String {
        component.addingPercentEncoding(
            withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        )
            ?? component
    }
}
