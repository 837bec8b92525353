import ChatCore
import HTTPTypes
import Hummingbird

/// `GET|POST /groups/:id/messages`.
struct MessageController {
    let service: ChatService
    let auth: AuthMiddleware

    var endpoints: RouteCollection<ChatRequestContext> {
        let routes = RouteCollection(context: ChatRequestContext.self).add(middleware: self.auth)
        routes.get(use: self.list)
        routes.post(use: self.send)
        return routes
    }

    @Sendable func list(request: Request, context: ChatRequestContext) async throws -> JSONResponse<MessagePage> {
        let groupID = try context.parameters.require("id")
        let query = try Self.query(from: request.uri.queryParameters)
        return JSONResponse(value: try await self.service.messages(groupID: groupID, query: query, as: try context.requireUserID()))
    }

    @Sendable func send(request: Request, context: ChatRequestContext) async throws -> JSONResponse<Message> {
        let groupID = try context.parameters.require("id")
        let body = try await request.decodeJSON(SendMessageRequest.self, context: context)
        let result = try await self.service.sendMessage(groupID: groupID, text: body.text, clientID: body.clientId, from: try context.requireUserID())
        var headers = HTTPFields()
        if case .replayed = result { headers[.idempotentReplayed] = "true" }
        return JSONResponse(status: .created, value: result.message, headers: headers)
    }

    /// Reads `limit`, `cursor` and `after`; a value that does not parse is a 400 that says which.
    static func query(from parameters: Parameters) throws -> MessageQuery {
        var limit = 30
        if let raw = parameters.get("limit") {
            guard let value = Int(raw), Validation.pageLimitRange.contains(value) else {
                throw ChatError.invalid("invalid_limit", "limit must be an integer from 1 to 100.")
            }
            limit = value
        }
        let cursor = parameters.get("cursor")
        let after = parameters.get("after")
        if cursor != nil, after != nil {
            throw ChatError.invalid("invalid_query", "Use either cursor (older pages) or after (catch-up), not both.")
        }
        if let after {
            guard let seq = Int64(after), seq >= 0 else { throw ChatError.invalid("invalid_after", "after must be a seq: an integer of 0 or more.") }
            return .after(seq, limit: limit)
        }
        if let cursor {
            guard let seq = MessageCursor.decode(cursor) else {
                throw ChatError.invalid("invalid_cursor", "cursor is not one that this server returned as nextCursor.")
            }
            return .before(seq, limit: limit)
        }
        return .before(nil, limit: limit)
    }
}

extension HTTPField.Name {
    /// `Idempotent-Replayed: true` marks an answer that returns an earlier message with the same `clientId`.
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}
