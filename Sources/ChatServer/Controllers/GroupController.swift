import ChatCore
import Hummingbird

/// `GET|POST /groups` and `GET /groups/:id`.
struct GroupController {
    let service: ChatService
    let auth: AuthMiddleware

    var endpoints: RouteCollection<ChatRequestContext> {
        let routes = RouteCollection(context: ChatRequestContext.self).add(middleware: self.auth)
        routes.get(use: self.list)
        routes.post(use: self.create)
        routes.get(":id", use: self.detail)
        return routes
    }

    @Sendable func list(request: Request, context: ChatRequestContext) async throws -> JSONResponse<[Group]> {
        JSONResponse(value: try await self.service.groups(of: try context.requireUserID()))
    }

    @Sendable func create(request: Request, context: ChatRequestContext) async throws -> JSONResponse<Group> {
        let body = try await request.decodeJSON(CreateGroupRequest.self, context: context)
        return JSONResponse(status: .created, value: try await self.service.createGroup(name: body.name, by: try context.requireUserID()))
    }

    @Sendable func detail(request: Request, context: ChatRequestContext) async throws -> JSONResponse<GroupDetail> {
        let id = try context.parameters.require("id")
        return JSONResponse(value: try await self.service.groupDetail(id: id, as: try context.requireUserID()))
    }
}
