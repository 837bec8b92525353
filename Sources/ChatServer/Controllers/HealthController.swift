import ChatCore
import Hummingbird

/// `GET /healthz`.
struct HealthController {
    var endpoints: RouteCollection<ChatRequestContext> {
        RouteCollection(context: ChatRequestContext.self).get { _, _ in JSONResponse(value: HealthStatus(status: "ok")) }
    }
}
