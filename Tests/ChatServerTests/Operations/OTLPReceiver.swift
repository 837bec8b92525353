import ChatTestSupport
import Foundation
import Hummingbird
import NIOCore

/// A span as an OTLP/HTTP JSON export carries it (ids decoded from base64 to hex).
struct ReceivedSpan: Sendable, Equatable {
    let name: String
    let traceID: String
    let spanID: String
    let parentSpanID: String
    let kind: Int
}

/// A small OTLP/HTTP receiver (`POST /v1/traces`, JSON encoding), standing in for a collector.
enum OTLPReceiver {
    /// Runs the receiver on a free port for the duration of `body`, which gets the port and the spans as they arrive.
    static func run(_ body: @Sendable (Int, Inbox<ReceivedSpan>) async throws -> Void) async throws {
        let spans = Inbox<ReceivedSpan>()
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 16 << 20)
            for span in try Self.spans(in: Data(buffer.readableBytesView)) { await spans.push(span) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            }
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            try await body(port, spans)
            group.cancelAll()
        }
    }

    /// The spans of one export request (`ExportTraceServiceRequest` in protobuf's JSON mapping).
    static func spans(in data: Data) throws -> [ReceivedSpan] {
        let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        var spans: [ReceivedSpan] = []
        for resource in root["resourceSpans"] as? [[String: Any]] ?? [] {
            for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    spans.append(
                        ReceivedSpan(
                            name: span["name"] as? String ?? "",
                            traceID: Self.hex(span["traceId"]),
                            spanID: Self.hex(span["spanId"]),
                            parentSpanID: Self.hex(span["parentSpanId"]),
                            kind: span["kind"] as? Int ?? 0
                        )
                    )
                }
            }
        }
        return spans
    }

    /// Protobuf's JSON mapping writes `bytes` as base64.
    private static func hex(_ value: Any?) -> String {
        guard let text = value as? String, let data = Data(base64Encoded: text) else { return "" }
        return data.map { String(format: "%02x", $0) }.joined()
    }
}
