import ChatCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Typed calls to the API under test, plus raw access for the error cases.
struct API: Sendable {
    let client: any TestClientProtocol
    let clock: TestClock
    let databasePath: String

    /// Sends a request with an optional bearer token and a JSON body (an `Encodable`, or raw text).
    @discardableResult
    func call(
        _ method: HTTPRequest.Method,
        _ path: String,
        token: String? = nil,
        json: (any Encodable & Sendable)? = nil,
        raw: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(bytes: try ChatJSON.encoder.encode(json))
        } else if let raw {
            body = ByteBuffer(string: raw)
        }
        if body != nil { headers[.contentType] = "application/json" }
        return try await self.client.execute(uri: path, method: method, headers: headers, body: body)
    }

    func guest(_ name: String? = nil) async throws -> AuthResponse {
        try await self.call(.post, "/auth/guest", json: GuestRequest(displayName: name)).decoded(AuthResponse.self, status: .created)
    }

    func register(_ email: String, password: String = "correct horse battery", name: String = "Reg") async throws -> AuthResponse {
        try await self.call(.post, "/auth/register", json: RegisterRequest(email: email, password: password, displayName: name))
            .decoded(AuthResponse.self, status: .created)
    }

    func createGroup(_ token: String, name: String = "Friends") async throws -> Group {
        try await self.call(.post, "/groups", token: token, json: CreateGroupRequest(name: name)).decoded(Group.self, status: .created)
    }

    func invite(_ token: String, group: String, hours: Double? = nil, uses: Int? = nil) async throws -> Invite {
        try await self.call(.post, "/groups/\(group)/invites", token: token, json: CreateInviteRequest(expiresInHours: hours, uses: uses))
            .decoded(Invite.self, status: .created)
    }

    func accept(_ token: String, invite: String) async throws -> TestResponse {
        try await self.call(.post, "/invites/\(invite)/accept", token: token)
    }

    func send(_ token: String, group: String, text: String, clientId: String? = nil) async throws -> Message {
        try await self.call(.post, "/groups/\(group)/messages", token: token, json: SendMessageRequest(text: text, clientId: clientId))
            .decoded(Message.self, status: .created)
    }

    func page(_ token: String, group: String, query: String = "") async throws -> MessagePage {
        try await self.call(.get, "/groups/\(group)/messages\(query)", token: token).decoded(MessagePage.self)
    }

    func edit(_ token: String, group: String, message: String, text: String) async throws -> TestResponse {
        try await self.call(.patch, "/groups/\(group)/messages/\(message)", token: token, json: EditMessageRequest(text: text))
    }

    func delete(_ token: String, group: String, message: String) async throws -> TestResponse {
        try await self.call(.delete, "/groups/\(group)/messages/\(message)", token: token)
    }

    /// `PUT` (or `DELETE` when not `present`) a reaction; `emoji` is sent percent-encoded unless `raw`.
    func react(_ token: String, group: String, message: String, emoji: String, present: Bool = true, raw: Bool = false) async throws -> TestResponse {
        let segment = raw ? emoji : emoji.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? emoji
        return try await self.call(present ? .put : .delete, "/groups/\(group)/messages/\(message)/reactions/\(segment)", token: token)
    }

    func markRead(_ token: String, group: String, seq: Int64) async throws -> TestResponse {
        try await self.call(.put, "/groups/\(group)/read", token: token, json: ReadRequest(seq: seq))
    }

    func changes(_ token: String, group: String, since: Int64, limit: Int? = nil) async throws -> ChangePage {
        let query = "?since=\(since)" + (limit.map { "&limit=\($0)" } ?? "")
        return try await self.call(.get, "/groups/\(group)/changes\(query)", token: token).decoded(ChangePage.self)
    }

    /// `POST /invites/:token/accept` for an invite that needs approval: the request (202).
    func requestToJoin(_ token: String, invite: String) async throws -> JoinRequest {
        let answer = try await self.accept(token, invite: invite).decoded(AcceptInviteResponse.self, status: .accepted)
        guard let request = answer.request else { throw UnexpectedResponse(description: "202 without a request") }
        return request
    }

    func invite(_ token: String, group: String, approval: Bool, uses: Int = 5) async throws -> Invite {
        try await self.call(.post, "/groups/\(group)/invites", token: token, json: CreateInviteRequest(uses: uses, requireApproval: approval))
            .decoded(Invite.self, status: .created)
    }

    func groups(_ token: String) async throws -> [Group] {
        try await self.call(.get, "/groups", token: token).decoded([Group].self)
    }

    /// A user who joined `group` through a fresh invite of `owner`'s.
    func member(of group: String, invitedBy owner: String, name: String = "Member") async throws -> AuthResponse {
        let joiner = try await self.guest(name)
        let invite = try await self.invite(owner, group: group)
        #expect(try await self.accept(joiner.token, invite: invite.token).status == .ok)
        return joiner
    }
}

/// Failed expectations about a response, with the body to explain them.
struct UnexpectedResponse: Error, CustomStringConvertible {
    let description: String
}

extension TestResponse {
    /// The body decoded as `T`, after checking the status.
    func decoded<T: Decodable>(_ type: T.Type, status expected: HTTPResponse.Status = .ok) throws -> T {
        guard self.status == expected else {
            throw UnexpectedResponse(description: "expected \(expected.code), got \(self.status.code): \(String(buffer: self.body))")
        }
        return try ChatJSON.decoder.decode(T.self, from: self.body)
    }

    /// The error body, after checking that the status is `status`.
    func error(_ status: HTTPResponse.Status) throws -> ErrorBody.Detail {
        guard self.status == status else {
            throw UnexpectedResponse(description: "expected \(status.code), got \(self.status.code): \(String(buffer: self.body))")
        }
        return try ChatJSON.decoder.decode(ErrorBody.self, from: self.body).error
    }

    /// The body as a JSON object, to check the exact keys on the wire.
    var jsonObject: [String: Any] {
        get throws {
            guard let object = try JSONSerialization.jsonObject(with: Data(buffer: self.body)) as? [String: Any] else {
                throw UnexpectedResponse(description: "not a JSON object: \(String(buffer: self.body))")
            }
            return object
        }
    }
}

/// Calls `expect` on an error response: status and code.
func expectError(
    _ response: TestResponse,
    _ status: HTTPResponse.Status,
    _ code: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let error = try response.error(status)
    #expect(error.code == code, sourceLocation: sourceLocation)
    #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
}
