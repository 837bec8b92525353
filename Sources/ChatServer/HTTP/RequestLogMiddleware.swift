import HTTPTypes
import Hummingbird
import Logging

/// Logs one line per request: method, path (never the query, which may hold a token), status and duration;
/// at `debug`, also a line when a request starts. It also returns the request id to the caller as `X-Request-Id`.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var metadata: Logger.Metadata = ["http.method": "\(request.method)", "http.path": "\(request.uri.path)"]
        context.logger.debug("Request started", metadata: metadata)
        do {
            var response = try await next(request, context)
            metadata["http.status"] = "\(response.status.code)"
            metadata["duration_ms"] = "\(Self.milliseconds(since: start))"
            context.logger.info("Request", metadata: metadata)
            response.headers[.requestID] = context.id
            return response
        } catch let error as any HTTPResponseError {
            metadata["http.status"] = "\(error.status.code)"
            metadata["duration_ms"] = "\(Self.milliseconds(since: start))"
            context.logger.info("Request", metadata: metadata)
            throw RequestIDError(base: error, requestID: context.id)
        }
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> String {
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return String(format: "%.2f", ms)
    }
}

/// An error answer that also carries the request id header.
private struct RequestIDError: HTTPResponseError {
    let base: any HTTPResponseError
    let requestID: String

    var status: HTTPResponse.Status { self.base.status }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try self.base.response(from: request, context: context)
        response.headers[.requestID] = self.requestID
        return response
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`.
    static let requestID = HTTPField.Name("X-Request-Id")!
}
