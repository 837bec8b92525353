import ChatCore
import Hummingbird

/// `POST|GET /groups/:id/invites`, `DELETE /groups/:id/invites/:inviteId` and `POST /invites/:token/accept`.
struct InviteController {
    let service: ChatService
    let auth: AuthMiddleware

    /// Routes under `/groups/:id/invites`.
    var groupEndpoints: RouteCollection<ChatRequestContext> {
        let routes = RouteCollection(context: ChatRequestContext.self).add(middleware: self.auth)
        routes.post(use: self.create)
        routes.get(use: self.list)
        routes.delete(":inviteId", use: self.revoke)
        return routes
    }

    /// Routes under `/invites`.
    var acceptEndpoints: RouteCollection<ChatRequestContext> {
        RouteCollection(context: ChatRequestContext.self).add(middleware: self.auth).post(":token/accept", use: self.accept)
    }

    @Sendable func create(request: Request, context: ChatRequestContext) async throws -> JSONResponse<Invite> {
        let groupID = try context.parameters.require("id")
        let body = try await request.decodeJSON(CreateInviteRequest.self, context: context, emptyAs: "{}")
        let invite = try await self.service.createInvite(groupID: groupID, request: body, by: try context.requireUserID())
        return JSONResponse(status: .created, value: invite)
    }

    @Sendable func list(request: Request, context: ChatRequestContext) async throws -> JSONResponse<[InviteSummary]> {
        let groupID = try context.parameters.require("id")
        return JSONResponse(value: try await self.service.liveInvites(groupID: groupID, as: try context.requireUserID()))
    }

    @Sendable func revoke(request: Request, context: ChatRequestContext) async throws -> Response {
        let groupID = try context.parameters.require("id")
        let inviteID = try context.parameters.require("inviteId")
        try await self.service.revokeInvite(id: inviteID, groupID: groupID, as: try context.requireUserID())
        return Response(status: .noContent)
    }

    /// 200 `{group}` for a member, 202 `{request}` when the invite needs approval.
    @Sendable func accept(request: Request, context: ChatRequestContext) async throws -> JSONResponse<AcceptInviteResponse> {
        let token = try context.parameters.require("token")
        switch try await self.service.acceptInvite(token, by: try context.requireUserID()) {
        case .joined(let group), .alreadyMember(let group): return JSONResponse(value: AcceptInviteResponse(group: group))
        case .requested(let joinRequest): return JSONResponse(status: .accepted, value: AcceptInviteResponse(request: joinRequest))
        }
    }
}
