import ChatCore
import Hummingbird

/// `POST /auth/guest|register|login` and `GET /me`.
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
        routes.group("me").add(middleware: self.auth).get(use: self.me)
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
}
