import HTTPTypes
import Hummingbird
import ServiceLifecycle
import Synchronization

/// Closes a keep-alive connection after its response once graceful shutdown has begun.
///
/// Hummingbird closes idle connections when shutdown starts, but a connection whose first request was
/// still arriving at that moment misses the signal and would then idle until its client gives up. Asking
/// such connections to close after their response lets shutdown finish promptly.
struct ShutdownMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let stopping = ShutdownFlag()
        var response = try await withGracefulShutdownHandler {
            try await next(request, context)
        } onGracefulShutdown: {
            stopping.set()
        }
        if stopping.isSet { response.headers[.connection] = "close" }
        return response
    }
}

/// Set once, from the graceful-shutdown handler.
private final class ShutdownFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { self.value.store(true, ordering: .relaxed) }
    var isSet: Bool { self.value.load(ordering: .relaxed) }
}
