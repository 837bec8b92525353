import ChatCore
import Hummingbird

extension ChatError: HTTPResponseError {
    /// The HTTP status of each kind of failure.
    public var status: HTTPResponse.Status {
        switch self.category {
        case .invalid: .badRequest
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .gone: .gone
        case .tooLarge: .contentTooLarge
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try context.responseEncoder.encode(ErrorBody(code: self.code, message: self.message), from: request, context: context)
        response.status = self.status
        if self.category == .unauthenticated {
            response.headers[.wwwAuthenticate] = "Bearer"
        }
        if let retryAfter = self.retryAfter {
            response.headers[.retryAfter] = String(max(1, retryAfter.components.seconds))
        }
        return response
    }

    /// A body beyond the request size limit.
    static func bodyTooLarge(limit: Int) -> ChatError {
        .tooLarge("body_too_large", "The request body is larger than \(limit / 1024) KiB.")
    }
}
