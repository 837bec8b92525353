import ChatCore
import HTTPTypes
import Hummingbird

/// `GET|POST /groups/:id/messages`, and a message's edit, deletion and reactions.
struct MessageController {
    let service: ChatService
    let auth: AuthMiddleware

    var endpoints: RouteCollection<ChatRequestContext> {
        let routes = RouteCollection(context: ChatRequestContext.self).add(middleware: self.auth)
        routes.get(use: self.list)
        routes.post(use: self.send)
        routes.patch(":messageId", use: self.edit)
        routes.delete(":messageId", use: self.delete)
        routes.put(":messageId/reactions/:emoji", use: self.react)
        routes.delete(":messageId/reactions/:emoji", use: self.unreact)
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
        let result = try await self.service.sendMessage(
            groupID: groupID,
            text: body.text,
            clientID: body.clientId,
            replyTo: body.replyTo,
            from: try context.requireUserID()
        )
        var headers = HTTPFields()
        if case .replayed = result { headers[.idempotentReplayed] = "true" }
        return JSONResponse(status: .created, value: result.message, headers: headers)
    }

    /// `PATCH /groups/:id/messages/:messageId` with `{"text"}`: the edited message.
    @Sendable func edit(request: Request, context: ChatRequestContext) async throws -> JSONResponse<Message> {
        let (groupID, messageID) = (try context.parameters.require("id"), try context.parameters.require("messageId"))
        let body = try await request.decodeJSON(EditMessageRequest.self, context: context)
        let userID = try context.requireUserID()
        return JSONResponse(value: try await self.service.editMessage(groupID: groupID, messageID: messageID, text: body.text, by: userID))
    }

    /// `DELETE /groups/:id/messages/:messageId`: 204, also when it was deleted before.
    @Sendable func delete(request: Request, context: ChatRequestContext) async throws -> Response {
        let (groupID, messageID) = (try context.parameters.require("id"), try context.parameters.require("messageId"))
        try await self.service.deleteMessage(groupID: groupID, messageID: messageID, by: try context.requireUserID())
        return Response(status: .noContent)
    }

    /// `PUT /groups/:id/messages/:messageId/reactions/:emoji`: the message with the caller's reaction.
    @Sendable func react(request: Request, context: ChatRequestContext) async throws -> JSONResponse<Message> {
        try await self.setReaction(present: true, context: context)
    }

    /// `DELETE /groups/:id/messages/:messageId/reactions/:emoji`: the message without the caller's reaction.
    @Sendable func unreact(request: Request, context: ChatRequestContext) async throws -> JSONResponse<Message> {
        try await self.setReaction(present: false, context: context)
    }

    private func setReaction(present: Bool, context: ChatRequestContext) async throws -> JSONResponse<Message> {
        let (groupID, messageID) = (try context.parameters.require("id"), try context.parameters.require("messageId"))
        let emoji = try context.parameters.require("emoji")
        let userID = try context.requireUserID()
        return JSONResponse(value: try await self.service.react(groupID: groupID, messageID: messageID, emoji: emoji, present: present, by: userID))
    }

    /// Reads `limit`, `cursor` and `after`; a value that does not parse is a 400 that says which.
    static func query(from parameters: Parameters) throws -> MessageQuery {
        let limit = try Validation.limit(parameters.get("limit"), in: Validation.pageLimitRange, default: 30)
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
