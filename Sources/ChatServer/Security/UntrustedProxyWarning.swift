import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Warns once when requests carry `X-Forwarded-For` while `TRUST_PROXY` is 0: the server then sits behind a
/// proxy it was not told of, every client has the proxy's address, and one client's sign-ins use up everyone's.
struct UntrustedProxyWarning<Context: RequestContext>: RouterMiddleware {
    private final class Once: Sendable {
        let warned = Atomic(false)
    }

    private let once = Once()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if !self.once.warned.load(ordering: .relaxed), request.headers[ClientAddress.forwardedFor] != nil,
            !self.once.warned.exchange(true, ordering: .relaxed)
        {
            context.logger.warning(
                "Requests carry X-Forwarded-For but TRUST_PROXY is 0: all clients behind the proxy share its address and its rate limits. Set TRUST_PROXY to the number of proxies in front."
            )
        }
        return try await next(request, context)
    }
}
