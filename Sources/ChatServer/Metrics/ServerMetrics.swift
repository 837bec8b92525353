import Hummingbird
import Prometheus

/// The server's metrics, in a Prometheus registry of its own (so that several servers in one process, as in
/// tests, keep theirs apart). `GET /metrics` exposes them.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let messages: Counter
    private let connections: Gauge
    private let fanOut: DurationHistogram
    private let deliveries: Counter
    private let purged: Counter
    private let commits: Counter
    private let committedWrites: Counter

    static let requestBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5),
    ]
    static let fanOutBuckets: [Duration] = [
        .microseconds(10), .microseconds(50), .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
        .milliseconds(50),
    ]

    public init() {
        self.messages = self.registry.makeCounter(
            descriptor: .init(namespace: "chat", metricName: "messages", unitName: "total", helpText: "Messages stored."),
            labels: []
        )
        self.connections = self.registry.makeGauge(
            descriptor: .init(namespace: "chat", metricName: "websocket_connections", unitName: "open", helpText: "Open WebSocket connections."),
            labels: []
        )
        self.fanOut = self.registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "chat",
                metricName: "fanout",
                unitName: "seconds",
                helpText: "Time to hand one event to the queue of every local recipient."
            ),
            labels: [],
            buckets: Self.fanOutBuckets
        )
        self.deliveries = self.registry.makeCounter(
            descriptor: .init(
                namespace: "chat",
                metricName: "fanout_deliveries",
                unitName: "total",
                helpText: "Events queued for WebSocket connections."
            ),
            labels: []
        )
        self.purged = self.registry.makeCounter(
            descriptor: .init(
                namespace: "chat",
                metricName: "messages_purged",
                unitName: "total",
                helpText: "Messages erased because they outlived their retention."
            ),
            labels: []
        )
        self.commits = self.registry.makeCounter(
            descriptor: .init(
                namespace: "chat",
                metricName: "sqlite_commits",
                unitName: "total",
                helpText: "SQLite transactions committed by the writer (each one fsync)."
            ),
            labels: []
        )
        self.committedWrites = self.registry.makeCounter(
            descriptor: .init(
                namespace: "chat",
                metricName: "sqlite_committed_writes",
                unitName: "total",
                helpText: "Writes those SQLite transactions carried: divided by the commits, the mean group-commit batch."
            ),
            labels: []
        )
    }

    /// One HTTP request, by route pattern (not the raw path, which would make unbounded labels).
    func request(method: String, route: String, status: Int, duration: Duration) {
        let labels = [("method", method), ("route", route), ("status", String(status))]
        self.registry.makeCounter(
            descriptor: .init(namespace: "chat", metricName: "http_requests", unitName: "total", helpText: "HTTP requests."),
            labels: labels
        ).increment()
        self.registry.makeDurationHistogram(
            descriptor: .init(namespace: "chat", metricName: "http_request_duration", unitName: "seconds", helpText: "HTTP request duration."),
            labels: [("method", method), ("route", route)],
            buckets: Self.requestBuckets
        ).record(duration)
    }

    func messageStored() { self.messages.increment() }
    /// One SQLite group commit of `writes` writes.
    func committed(writes: Int) {
        self.commits.increment()
        self.committedWrites.increment(by: Int64(writes))
    }
    func messagesPurged(_ count: Int) { self.purged.increment(by: Int64(count)) }
    func connectionOpened() { self.connections.increment() }
    func connectionClosed() { self.connections.decrement() }

    func fannedOut(recipients: Int, in duration: Duration) {
        self.deliveries.increment(by: Int64(recipients))
        self.fanOut.record(duration)
    }

    /// The exposition text.
    func render() -> [UInt8] { self.registry.emitToBuffer() }
}

/// Counts every request by route and status.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func record(_ status: HTTPResponse.Status) {
            self.metrics.request(
                method: request.method.rawValue,
                route: context.endpointPath ?? "unknown",
                status: Int(status.code),
                duration: .now - start
            )
        }
        do {
            let response = try await next(request, context)
            record(response.status)
            return response
        } catch let error as any HTTPResponseError {
            record(error.status)
            throw error
        }
    }
}

/// `GET /metrics` in the Prometheus text format.
struct MetricsController {
    let metrics: ServerMetrics

    var endpoints: RouteCollection<ChatRequestContext> {
        RouteCollection(context: ChatRequestContext.self).get { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: self.metrics.render()))
            )
        }
    }
}
