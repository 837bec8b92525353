import ChatCore
import Foundation
import Hummingbird

/// `GET /search`: full-text search over the caller's groups.
struct SearchController {
    let service: ChatService
    let auth: AuthMiddleware

    var endpoints: RouteCollection<ChatRequestContext> {
        let routes = RouteCollection(context: ChatRequestContext.self).add(middleware: self.auth)
        routes.get(use: self.search)
        return routes
    }

    @Sendable func search(request: Request, context: ChatRequestContext) async throws -> JSONResponse<SearchPage> {
        let parameters = request.uri.queryParameters
        // A form-encoded space is `+`; a `+` is never part of a word, so reading it as a space loses nothing.
        guard let text = parameters.get("q")?.replacingOccurrences(of: "+", with: " "), !text.allSatisfy(\.isWhitespace) else {
            throw ChatError.invalid("invalid_query", "q is required: the words to search for.")
        }
        guard text.count <= SearchQuery.maxLength else {
            throw ChatError.invalid("invalid_query", "q may be at most \(SearchQuery.maxLength) characters long.")
        }
        let limit = try Validation.limit(parameters.get("limit"), in: Validation.pageLimitRange, default: 20)
        var cursor: SearchCursor?
        if let raw = parameters.get("cursor") {
            guard let decoded = SearchCursor.decode(raw) else {
                throw ChatError.invalid("invalid_cursor", "cursor is not one that this server returned as nextCursor.")
            }
            cursor = decoded
        }
        let groupID = parameters.get("group")
        if let groupID, groupID.isEmpty || groupID.utf8.count > 64 { throw ChatError.groupNotFound }
        let page = try await self.service.search(text: text, groupID: groupID, cursor: cursor, limit: limit, as: try context.requireUserID())
        return JSONResponse(value: page)
    }
}
