import ChatCore
import Hummingbird

/// `GET|POST /groups`, `GET /groups/:id`, and the group's change feed, read marker and member list.
struct GroupController {
    let service: ChatService
    let auth: AuthMiddleware

    var endpoints: RouteCollection<ChatRequestContext> {
        let routes = RouteCollection(context: ChatRequestContext.self).add(middleware: self.auth)
        routes.get(use: self.list)
        routes.post(use: self.create)
        routes.get(":id", use: self.detail)
        routes.get(":id/changes", use: self.changes)
        routes.put(":id/read", use: self.read)
        routes.get(":id/members", use: self.members)
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

    /// `GET /groups/:id/changes?since=REV&limit=N`.
    @Sendable func changes(request: Request, context: ChatRequestContext) async throws -> JSONResponse<ChangePage> {
        let id = try context.parameters.require("id")
        let parameters = request.uri.queryParameters
        let limit = try Validation.limit(parameters.get("limit"), in: Validation.changeLimitRange, default: 100)
        var since: Int64 = 0
        if let raw = parameters.get("since") {
            guard let value = Int64(raw), value >= 0 else {
                throw ChatError.invalid("invalid_since", "since must be a rev: an integer of 0 or more.")
            }
            since = value
        }
        return JSONResponse(value: try await self.service.changes(groupID: id, since: since, limit: limit, as: try context.requireUserID()))
    }

    /// `PUT /groups/:id/read` with `{"seq"}`: 204.
    @Sendable func read(request: Request, context: ChatRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try await request.decodeJSON(ReadRequest.self, context: context)
        try await self.service.markRead(groupID: id, seq: body.seq, by: try context.requireUserID())
        return Response(status: .noContent)
    }

    /// `GET /groups/:id/members?cursor=&limit=`.
    @Sendable func members(request: Request, context: ChatRequestContext) async throws -> JSONResponse<MemberPage> {
        let id = try context.parameters.require("id")
        let parameters = request.uri.queryParameters
        let limit = try Validation.limit(parameters.get("limit"), in: Validation.changeLimitRange, default: 100)
        var cursor: MemberCursor?
        if let raw = parameters.get("cursor") {
            guard let decoded = MemberCursor.decode(raw) else {
                throw ChatError.invalid("invalid_cursor", "cursor is not one that this server returned as nextCursor.")
            }
            cursor = decoded
        }
        return JSONResponse(value: try await self.service.members(groupID: id, cursor: cursor, limit: limit, as: try context.requireUserID()))
    }
}
