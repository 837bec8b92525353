import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// `/socket.io/`: Engine.IO v4 (long-polling and WebSocket, and the upgrade between them) carrying Socket.IO v5,
/// for apps written for the original Socket.IO starter. The chat session inside is the same as `/ws`'s.
struct SocketIOController {
    /// The endpoint's paths: clients use the trailing slash, and some are configured without it.
    static let paths: Set<String> = ["/socket.io", "/socket.io/"]

    let sessions: SocketIOSessions
    let origins: OriginPolicy

    var options: SocketIOOptions { self.sessions.options }

    var endpoints: RouteCollection<ChatRequestContext> {
        RouteCollection(context: ChatRequestContext.self)
            .get { request, _ in await self.get(request) }
            .post { request, _ in await self.post(request) }
            .on("", method: .options) { request, _ in self.preflight(request) }
    }

    // MARK: Polling

    private func get(_ request: Request) async -> Response {
        let query = request.uri.queryParameters
        if let refusal = self.check(request) { return self.answer(refusal, to: request) }
        // A WebSocket request that came without its upgrade headers.
        guard query.get("transport") == "polling" else { return self.answer(.badRequest, to: request) }
        guard let sid = query.get("sid") else { return self.handshake(request) }
        guard let session = self.sessions[sid] else { return self.answer(.unknownSession, to: request) }
        switch await session.poll() {
        case .payload(let payload): return self.text(payload, to: request)
        case .refused(let error): return self.answer(error, to: request)
        }
    }

    private func handshake(_ request: Request) -> Response {
        let token = AuthMiddleware.token(authorization: request.headers[.authorization], query: nil)
        guard let session = self.sessions.open(webSocket: false, handshakeToken: token) else {
            return self.error(status: .serviceUnavailable, body: #"{"code":3,"message":"Server busy"}"#, to: request)
        }
        var response = self.text(EngineIOPacket.open(Self.json(session.handshake)).encoded, to: request)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    private func post(_ request: Request) async -> Response {
        if let refusal = self.check(request) { return self.answer(refusal, to: request) }
        let query = request.uri.queryParameters
        guard query.get("transport") == "polling" else { return self.answer(.badRequest, to: request) }
        guard let sid = query.get("sid") else { return self.answer(.badHandshakeMethod, to: request) }
        guard let session = self.sessions[sid] else { return self.answer(.unknownSession, to: request) }
        if request.headers[.contentType]?.lowercased().hasPrefix("application/octet-stream") == true {
            return self.answer(.badRequest, to: request)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: self.options.maxPayload)
        } catch {
            // Larger than the advertised maxPayload: refused, and the session ends, as the reference server does.
            session.terminate()
            return self.error(status: .contentTooLarge, body: #"{"code":3,"message":"Payload too large"}"#, to: request)
        }
        if let refusal = session.post(String(buffer: body)) { return self.answer(refusal, to: request) }
        return self.text("ok", to: request)
    }

    /// A CORS preflight (browser apps that add headers such as `Authorization`).
    private func preflight(_ request: Request) -> Response {
        guard let origin = request.headers[.origin], self.origins.allows(origin: origin, host: request.head.authority) else {
            return self.answer(.forbidden, to: request)
        }
        var response = Response(status: .noContent)
        self.addCORS(origin: origin, to: &response)
        response.headers[.accessControlAllowMethods] = "GET, POST, OPTIONS"
        response.headers[.accessControlAllowHeaders] = request.headers[.accessControlRequestHeaders] ?? "Authorization, Content-Type"
        response.headers[.accessControlMaxAge] = "86400"
        return response
    }

    /// What every polling request must carry: `EIO=4`, a known transport, an allowed origin.
    private func check(_ request: Request) -> EngineIOError? {
        let query = request.uri.queryParameters
        if let origin = request.headers[.origin], !self.origins.allows(origin: origin, host: request.head.authority) { return .forbidden }
        guard query.get("EIO") == "4" else { return .unsupportedProtocolVersion }
        guard let transport = query.get("transport"), ["polling", "websocket"].contains(transport) else { return .unknownTransport }
        return nil
    }

    // MARK: WebSocket

    /// A WebSocket upgrade at `/socket.io/`: a new WebSocket-only session, or (with a sid) the probe of an upgrade.
    func shouldUpgrade(
        request: HTTPRequest,
        uri: URI,
        channel: any Channel,
        logger: Logger
    ) async throws -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let query = uri.queryParameters
        var refusal: EngineIOError?
        if let origin = request.headerFields[.origin], !self.origins.allows(origin: origin, host: request.authority) {
            refusal = .forbidden
        } else if query.get("EIO") != "4" {
            refusal = .unsupportedProtocolVersion
        } else if query.get("transport") != "websocket" {
            refusal = .badRequest
        } else if let sid = query.get("sid"), self.sessions[sid] == nil {
            refusal = .unknownSession
        }
        if let refusal {
            try await RejectedUpgrade.write(refusal, on: channel)
            return .dontUpgrade
        }
        let sid = query.get("sid")
        let token = AuthMiddleware.token(authorization: request.headerFields[.authorization], query: nil)
        return .upgrade([:]) { inbound, outbound, _ in
            let (frames, writer) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingOldest(self.options.queueLimit))
            let session: SocketIOSession
            if let sid {
                guard let existing = self.sessions[sid], existing.openProbe(writer) else {
                    try await outbound.close(.unexpectedServerError, reason: "not a session that can upgrade")
                    return
                }
                session = existing
            } else {
                guard let opened = self.sessions.open(webSocket: true, handshakeToken: token) else {
                    try await outbound.close(.unexpectedServerError, reason: "server busy")
                    return
                }
                session = opened
                writer.yield(ByteBuffer(string: EngineIOPacket.open(Self.json(session.handshake)).encoded))
                session.attachWebSocket(writer)
            }
            try await self.run(session, probing: sid != nil, inbound: inbound, outbound: outbound, frames: frames)
        }
    }

    /// Carries one WebSocket: frames in to the session, its frames out, until either side closes.
    private func run(
        _ session: SocketIOSession,
        probing: Bool,
        inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter,
        frames: AsyncStream<ByteBuffer>
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await frame in frames { try await outbound.write(.custom(.init(fin: true, opcode: .text, data: frame))) }
                try await outbound.close(.normalClosure, reason: nil)
            }
            if probing {
                group.addTask {
                    try await Task.sleep(for: self.options.upgradeTimeout)
                    session.probeEnded()
                }
            }
            var carrying = !probing
            do {
                for try await message in inbound.messages(maxSize: self.options.maxPayload) {
                    switch (message, carrying) {
                    case (.text(let text), true): session.webSocketReceived(text: text)
                    case (.text(let text), false): carrying = session.probeReceived(text)
                    case (.binary, true): session.webSocketReceived(text: nil)
                    case (.binary, false): session.probeEnded()
                    }
                }
            } catch {
                // A frame over the limit, or a broken socket: the session ends as if the client had closed it.
            }
            if carrying { session.webSocketClosed() } else { session.probeEnded() }
            group.cancelAll()
        }
    }

    // MARK: Answers

    private func text(_ body: String, to request: Request) -> Response {
        var response = Response(
            status: .ok,
            headers: [.contentType: "text/plain; charset=UTF-8"],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
        if let origin = request.headers[.origin] { self.addCORS(origin: origin, to: &response) }
        return response
    }

    private func answer(_ error: EngineIOError, to request: Request) -> Response {
        self.error(status: .init(code: error.status), body: error.body, to: request)
    }

    private func error(status: HTTPResponse.Status, body: String, to request: Request) -> Response {
        var response = Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        if let origin = request.headers[.origin], self.origins.allows(origin: origin, host: request.head.authority) {
            self.addCORS(origin: origin, to: &response)
        }
        return response
    }

    private func addCORS(origin: String, to response: inout Response) {
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlAllowCredentials] = "true"
        response.headers[.vary] = "Origin"
    }

    private static func json(_ handshake: EngineIOHandshake) -> String {
        String(decoding: (try? JSONEncoder().encode(handshake)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
