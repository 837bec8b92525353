import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Sets up the process-wide logging and tracing systems, once, from the configuration.
public enum ServerObservability {
    /// Bootstraps logging (`LOG_FORMAT`) and, when an OTLP endpoint is configured, tracing. Returns the services
    /// that must run beside the server (the span exporter), to be listed before it so that they stop after it.
    public static func bootstrap(_ configuration: ServerConfiguration) throws -> [any Service] {
        // Logging first, so that the tracer's own diagnostics are written as every other line (LOG_FORMAT).
        let tracing = configuration.tracingEnabled
        let metadataProvider: Logger.MetadataProvider? = tracing ? OTel.makeLoggingMetadataProvider() : nil
        let (level, format) = (configuration.logLevel, configuration.logFormat)
        LoggingSystem.bootstrap(
            { label, provider in
                var handler: any LogHandler =
                    switch format {
                    case .text: StreamLogHandler.standardError(label: label, metadataProvider: provider)
                    case .json: JSONLogHandler.standardError(label: label, metadataProvider: provider)
                    }
                handler.logLevel = level
                return handler
            },
            metadataProvider: metadataProvider
        )
        guard tracing else { return [] }
        var otel = OTel.Configuration.default
        otel.serviceName = "chat-server"
        otel.logs.enabled = false
        otel.metrics.enabled = false
        otel.traces.otlpExporter.protocol = .httpProtobuf
        otel.diagnosticLogger = .custom(Logger(label: "swift-otel"))
        otel.diagnosticLogLevel = .warning
        let backend: (factory: any Tracer, service: any Service)
        do {
            backend = try OTel.makeTracingBackend(configuration: otel)
        } catch {
            throw ConfigurationError("tracing could not start (check the OTEL_* variables; only OTLP/HTTP is built in): \(error)")
        }
        InstrumentationSystem.bootstrap(backend.factory)
        ServerTracing.activate()
        return [backend.service]
    }
}
