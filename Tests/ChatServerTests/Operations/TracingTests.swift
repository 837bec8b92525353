import AsyncHTTPClient
import ChatCore
import ChatTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@Suite("Tracing (OTLP) and JSON logs")
struct TracingTests {
    /// Collects spans until `done` holds for what has arrived, or the deadline passes (then it returns what came).
    static func collect(_ inbox: Inbox<ReceivedSpan>, timeout: Duration = .seconds(20), until done: ([ReceivedSpan]) -> Bool) async -> [ReceivedSpan]
    {
        var spans: [ReceivedSpan] = []
        let deadline = ContinuousClock.now + timeout
        while !done(spans), ContinuousClock.now < deadline {
            guard let span = try? await inbox.next(timeout: deadline - ContinuousClock.now) else { break }
            spans.append(span)
        }
        return spans
    }

    static func call(
        _ method: HTTPMethod,
        port: Int,
        _ path: String,
        token: String? = nil,
        traceparent: String? = nil,
        json: some Encodable
    )
        async throws -> ByteBuffer
    {
        let headers = traceparent.map { [("traceparent", $0)] } ?? []
        return try await LiveHTTP.send(method, "http://127.0.0.1:\(port)\(path)", token: token, headers: headers, json: json).body
    }

    @Test(
        "spans reach an OTLP/HTTP collector: a request continues the caller's traceparent, storage and fan-out are its children, and each WebSocket event has its own; JSON log lines carry the trace id"
    )
    func tracesAndLogs() async throws {
        try await OTLPReceiver.run { collectorPort, inbox in
            let directory = try TemporaryDirectory()
            let server = try await ServerProcess.start(
                in: directory.url,
                environment: [
                    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(collectorPort)", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                    "OTEL_BSP_SCHEDULE_DELAY": "100", "LOG_FORMAT": "json", "DATABASE_URL": "sqlite://./chat.sqlite",
                ]
            )
            let auth = try ChatJSON.decoder.decode(
                AuthResponse.self,
                from: try await Self.call(.POST, port: server.port, "/auth/guest", json: GuestRequest(displayName: "Ada"))
            )
            let group = try ChatJSON.decoder.decode(
                Group.self,
                from: try await Self.call(.POST, port: server.port, "/groups", token: auth.token, json: CreateGroupRequest(name: "Traced"))
            )
            let (probe, _) = try await WebSocketProbe.connect(port: server.port, token: auth.token)
            let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
            let callerSpanID = "00f067aa0ba902b7"
            _ = try await Self.call(
                .POST,
                port: server.port,
                "/groups/\(group.id)/messages",
                token: auth.token,
                traceparent: "00-\(traceID)-\(callerSpanID)-01",
                json: SendMessageRequest(text: "traced", clientId: "rest-1")
            )
            _ = try await probe.inbox.first { $0.message }
            try probe.send(.messageSend(groupId: group.id, text: "over ws", clientId: "ws-1"))
            _ = try await probe.inbox.first { $0.ack }
            await probe.close()

            let spans = await Self.collect(inbox) { spans in
                let request = spans.first { $0.traceID == traceID && $0.parentSpanID == callerSpanID }
                let event = spans.first { $0.name == "ws message:send" }
                return [request, event].allSatisfy { parent in
                    guard let parent else { return false }
                    let children = spans.filter { $0.parentSpanID == parent.spanID }.map(\.name)
                    return children.contains { $0.hasPrefix("sqlite ") } && children.contains("fanout")
                }
            }
            // The REST send: a server span continuing the caller's trace, named after its route.
            let request = try #require(spans.first { $0.traceID == traceID && $0.parentSpanID == callerSpanID }, "\(spans)")
            #expect(request.name.contains("/groups/") && request.name.contains("/messages"), "\(request.name)")
            #expect(request.kind == 2, "SPAN_KIND_SERVER")
            let requestChildren = spans.filter { $0.parentSpanID == request.spanID }
            #expect(requestChildren.allSatisfy { $0.traceID == traceID })
            #expect(requestChildren.map(\.name).contains("sqlite submitMessage"), "\(requestChildren.map(\.name))")
            #expect(requestChildren.map(\.name).contains("fanout"))
            // The WebSocket send: a trace of its own, with the same children.
            let event = try #require(spans.first { $0.name == "ws message:send" }, "\(spans.map(\.name))")
            #expect(event.traceID != traceID && event.parentSpanID.isEmpty)
            let eventChildren = spans.filter { $0.parentSpanID == event.spanID }.map(\.name)
            #expect(eventChildren.contains("sqlite submitMessage") && eventChildren.contains("fanout"), "\(eventChildren)")

            #expect(try await server.stop() == 0)
            // Every line is one JSON object; the request's log line carries its trace id; no token leaks.
            let lines = server.log.split(separator: "\n")
            #expect(lines.count > 3)
            for line in lines {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object?["message"] is String && object?["level"] is String && object?["time"] is String, "\(line)")
            }
            let traced = lines.filter { $0.contains(traceID) }
            #expect(traced.contains { $0.contains("\"message\":\"Request\"") }, "\(traced)")
            #expect(!server.log.contains(auth.token))
        }
    }
}
