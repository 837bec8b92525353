import Hummingbird

/// Requires a valid session token: `Authorization: Bearer <jwt>`, or `?token=<jwt>` where `acceptsQueryToken`
/// (the WebSocket upgrade, since browsers cannot set headers on it). Anything else, and a token whose account
/// ended it (see ``SessionVerifier``), is a 401.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = ChatRequestContext

    let sessions: SessionVerifier
    var acceptsQueryToken = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = self.token(in: request) else { throw ChatError.invalidToken }
        let verified = try await self.sessions.verify(token)
        var context = context
        context.userID = verified.userID
        context.tokenExpiresAt = verified.expiresAt
        context.tokenVersion = verified.version
        context.logger[metadataKey: "user.id"] = .string(verified.userID)
        return try await next(request, context)
    }

    private func token(in request: Request) -> String? {
        Self.token(
            authorization: request.headers[.authorization],
            query: self.acceptsQueryToken ? request.uri.queryParameters.get("token") : nil
        )
    }

    /// The bearer token of an `Authorization` header, or else a `token` query parameter.
    static func token(authorization: String?, query: String?) -> String? {
        if let authorization {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return String(parts[1]).trimmingCharacters(in: .whitespaces)
        }
        if let query, !query.isEmpty { return query }
        return nil
    }
}
