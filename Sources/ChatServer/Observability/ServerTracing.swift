import Synchronization
import Tracing

/// Spans of chat-server's own work: storage calls, fan-out and real-time events (HTTP requests get theirs from
/// Hummingbird's `TracingMiddleware`). Everything here is skipped unless tracing was switched on, so that a server
/// without a collector pays nothing for it.
enum ServerTracing {
    private static let on = Atomic<Bool>(false)

    /// Whether spans are recorded; set once, when the tracer is installed.
    static var isActive: Bool { on.load(ordering: .relaxed) }

    static func activate() { on.store(true, ordering: .relaxed) }

    /// The span name of a storage call made from `function` (`#function` of the repository method): its base name.
    static func storageName(_ system: String, _ function: String) -> String {
        "\(system) \(function.prefix { $0 != "(" })"
    }

    /// Runs `body` in a client span for one storage call, when tracing is on.
    static func storage<T>(
        _ system: String,
        _ function: String,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T
    ) async throws -> T {
        guard isActive else { return try await body() }
        return try await withSpan(storageName(system, function), ofKind: .client, isolation: isolation) { span in
            span.attributes["db.system.name"] = system
            return try await body()
        }
    }
}
