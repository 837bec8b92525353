import ChatCore
import Hummingbird

/// Membership and moderation under `/groups/:id`: leaving, removing, bans, roles, the transfer of ownership,
/// the group's settings and deletion, and join requests.
struct ModerationController {
    let service: ChatService
    let auth: AuthMiddleware

    var endpoints: RouteCollection<ChatRequestContext> {
        let routes = RouteCollection(context: ChatRequestContext.self).add(middleware: self.auth)
        routes.patch(":id", use: self.update)
        routes.delete(":id", use: self.delete)
        routes.post(":id/leave", use: self.leave)
        routes.delete(":id/members/:userId", use: self.kick)
        routes.patch(":id/members/:userId", use: self.setRole)
        routes.post(":id/transfer", use: self.transfer)
        routes.get(":id/bans", use: self.bans)
        routes.post(":id/bans", use: self.ban)
        routes.delete(":id/bans/:userId", use: self.unban)
        routes.get(":id/requests", use: self.requests)
        routes.post(":id/requests/:requestId/approve", use: self.approve)
        routes.post(":id/requests/:requestId/deny", use: self.deny)
        return routes
    }

    /// `PATCH /groups/:id` with `{"name"?, "invitePolicy"?}`: the group as the caller now sees it.
    @Sendable func update(request: Request, context: ChatRequestContext) async throws -> JSONResponse<Group> {
        let body = try await request.decodeJSON(UpdateGroupRequest.self, context: context, emptyAs: "{}")
        return JSONResponse(
            value: try await self.service.updateGroup(body, in: try context.parameters.require("id"), by: try context.requireUserID())
        )
    }

    /// `DELETE /groups/:id`: 204; the owner only.
    @Sendable func delete(request: Request, context: ChatRequestContext) async throws -> Response {
        try await self.change(.delete, context: context)
    }

    /// `POST /groups/:id/leave`: 204.
    @Sendable func leave(request: Request, context: ChatRequestContext) async throws -> Response {
        try await self.change(.leave, context: context)
    }

    /// `DELETE /groups/:id/members/:userId`: 204.
    @Sendable func kick(request: Request, context: ChatRequestContext) async throws -> Response {
        try await self.change(.kick(userID: try context.parameters.require("userId")), context: context)
    }

    /// `PATCH /groups/:id/members/:userId` with `{"role"}`: 204.
    @Sendable func setRole(request: Request, context: ChatRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(RoleChangeRequest.self, context: context)
        return try await self.change(.setRole(userID: try context.parameters.require("userId"), role: body.role), context: context)
    }

    /// `POST /groups/:id/transfer` with `{"userId"}`: 204.
    @Sendable func transfer(request: Request, context: ChatRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(TransferRequest.self, context: context)
        return try await self.change(.transfer(userID: body.userId), context: context)
    }

    /// `GET /groups/:id/bans`.
    @Sendable func bans(request: Request, context: ChatRequestContext) async throws -> JSONResponse<[Ban]> {
        JSONResponse(value: try await self.service.bans(of: try context.parameters.require("id"), as: try context.requireUserID()))
    }

    /// `POST /groups/:id/bans` with `{"userId", "reason"?}`: 204.
    @Sendable func ban(request: Request, context: ChatRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(BanRequest.self, context: context)
        try await self.service.ban(body, in: try context.parameters.require("id"), by: try context.requireUserID())
        return Response(status: .noContent)
    }

    /// `DELETE /groups/:id/bans/:userId`: 204.
    @Sendable func unban(request: Request, context: ChatRequestContext) async throws -> Response {
        try await self.change(.unban(userID: try context.parameters.require("userId")), context: context)
    }

    /// `GET /groups/:id/requests`: the pending requests to join.
    @Sendable func requests(request: Request, context: ChatRequestContext) async throws -> JSONResponse<[JoinRequest]> {
        JSONResponse(value: try await self.service.joinRequests(of: try context.parameters.require("id"), as: try context.requireUserID()))
    }

    /// `POST /groups/:id/requests/:requestId/approve`.
    @Sendable func approve(request: Request, context: ChatRequestContext) async throws -> JSONResponse<JoinRequestResponse> {
        try await self.decide(approve: true, context: context)
    }

    /// `POST /groups/:id/requests/:requestId/deny`.
    @Sendable func deny(request: Request, context: ChatRequestContext) async throws -> JSONResponse<JoinRequestResponse> {
        try await self.decide(approve: false, context: context)
    }

    private func decide(approve: Bool, context: ChatRequestContext) async throws -> JSONResponse<JoinRequestResponse> {
        let (groupID, requestID) = (try context.parameters.require("id"), try context.parameters.require("requestId"))
        let decided = try await self.service.decide(requestID, approve: approve, in: groupID, by: try context.requireUserID())
        return JSONResponse(value: JoinRequestResponse(request: decided))
    }

    private func change(_ change: ModerationChange, context: ChatRequestContext) async throws -> Response {
        _ = try await self.service.moderate(change, in: try context.parameters.require("id"), by: try context.requireUserID())
        return Response(status: .noContent)
    }
}
