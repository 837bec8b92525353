import ChatCore
import Hummingbird

/// `POST /auth/guest|register|login|logout-all`, `GET|DELETE /me` and `POST /me/password`.
struct AuthController {
    let service: ChatService
    let auth: AuthMiddleware
    /// Proxies trusted to set `X-Forwarded-For`.
    let trustedProxies: Int

    var endpoints: RouteCollection<ChatRequestContext> {
        let routes = RouteCollection(context: ChatRequestContext.self)
        routes.post("auth/guest", use: self.guest)
        routes.post("auth/register", use: self.register)
        routes.post("auth/login", use: self.login)
        routes.group("auth/logout-all").add(middleware: self.auth).post(use: self.logoutAll)
        let me = routes.group("me").add(middleware: self.auth)
        me.get(use: self.me)
        me.delete(use: self.deleteAccount)
        me.post("password", use: self.changePassword)
        return routes
    }

    private func address(_ request: Request, _ context: ChatRequestContext) -> String {
        ClientAddress.of(request, channel: context.channel, trustedProxies: self.trustedProxies)
    }

    @Sendable func guest(request: Request, context: ChatRequestContext) async throws -> JSONResponse<AuthResponse> {
        try self.service.checkAuthRate(address: self.address(request, context), email: nil)
        let body = try await request.decodeJSON(GuestRequest.self, context: context, emptyAs: "{}")
        return JSONResponse(status: .created, value: try await self.service.registerGuest(displayName: body.displayName))
    }

    @Sendable func register(request: Request, context: ChatRequestContext) async throws -> JSONResponse<AuthResponse> {
        let body = try await request.decodeJSON(RegisterRequest.self, context: context)
        try self.service.checkAuthRate(address: self.address(request, context), email: body.email)
        return JSONResponse(status: .created, value: try await self.service.register(body))
    }

    @Sendable func login(request: Request, context: ChatRequestContext) async throws -> JSONResponse<AuthResponse> {
        let body = try await request.decodeJSON(LoginRequest.self, context: context)
        try self.service.checkAuthRate(address: self.address(request, context), email: body.email)
        return JSONResponse(value: try await self.service.login(body))
    }

    @Sendable func me(request: Request, context: ChatRequestContext) async throws -> JSONResponse<User> {
        JSONResponse(value: try await self.service.me(try context.requireUserID()))
    }

    @Sendable func logoutAll(request: Request, context: ChatRequestContext) async throws -> Response {
        try await self.service.logoutAll(userID: try context.requireUserID())
        return Response(status: .noContent)
    }

    @Sendable func changePassword(request: Request, context: ChatRequestContext) async throws -> JSONResponse<AuthResponse> {
        let userID = try context.requireUserID()
        let body = try await request.decodeJSON(ChangePasswordRequest.self, context: context)
        try self.service.checkPasswordRate(address: self.address(request, context), userID: userID)
        return JSONResponse(value: try await self.service.changePassword(body, userID: userID))
    }

    /// The body is optional for a guest account, which has no password to give.
    @Sendable func deleteAccount(request: Request, context: ChatRequestContext) async throws -> Response {
        let userID = try context.requireUserID()
        let body = try await request.decodeJSON(DeleteAccountRequest.self, context: context, emptyAs: "{}")
        if body.password != nil { try self.service.checkPasswordRate(address: self.address(request, context), userID: userID) }
        if let error = try await self.service.deleteAccount(body, userID: userID) {
            context.logger.error(
                "Account deleted, but erasing its messages stopped; the retention service will finish it",
                metadata: ["error": "\(error)"]
            )
        }
        return Response(status: .noContent)
    }
}
