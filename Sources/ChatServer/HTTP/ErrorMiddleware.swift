import ChatCore
import Hummingbird
import Logging

/// Turns every failure into `{"error":{"code","message"}}` with its status, and logs what the caller cannot see.
///
/// Errors from Hummingbird itself (no route, oversized body) get a code from their status;
/// anything unexpected becomes a 500 whose details stay in the log.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ChatError {
            if error.category == .internal {
                context.logger.error("Request failed", metadata: ["error": "\(error)"])
            }
            throw error
        } catch let error as HTTPError {
            throw Self.translate(error)
        } catch let error as any HTTPResponseError {
            throw ChatError(Self.category(of: error.status), Self.code(of: error.status), error.status.reasonPhrase)
        } catch {
            context.logger.error("Unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            throw ChatError.internal()
        }
    }

    static func translate(_ error: HTTPError) -> ChatError {
        let status = error.status
        let message: String =
            switch status {
            case .notFound: "No such endpoint."
            case .contentTooLarge: "The request body is too large."
            default: error.body ?? status.reasonPhrase
            }
        return ChatError(category(of: status), code(of: status), message)
    }

    private static func category(of status: HTTPResponse.Status) -> ChatError.Category {
        switch status.code {
        case 401: .unauthenticated
        case 403: .forbidden
        case 404: .notFound
        case 409: .conflict
        case 410: .gone
        case 413: .tooLarge
        case 429: .rateLimited
        case 503: .unavailable
        case 400..<500: .invalid
        default: .internal
        }
    }

    private static func code(of status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: "not_found"
        case 413: "body_too_large"
        default: status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "_")
        }
    }
}
