import ChatCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// `GET /ws`: the real-time connection, and the WebSocket upgrades of `/socket.io/`.
///
/// The session itself (subscriptions, `ready`, requests) is a ``RealtimeSession``; this is its `/ws` edge.
struct RealtimeController {
    let session: RealtimeSession
    let auth: AuthMiddleware
    /// The largest frame a client may send.
    let maxFrameSize: Int
    /// Browser origins allowed to connect; requests without an `Origin` are always allowed.
    let origins: OriginPolicy
    /// `/socket.io/`'s sessions, whose WebSocket upgrades come here too.
    let socketIO: SocketIOController

    /// Close code 1001: the server is going away.
    static let goingAwayCode: UInt16 = 1001

    /// Decides on a WebSocket upgrade request. A missing or bad token is answered with HTTP 401 and the usual
    /// JSON error body before any upgrade, and the connection is closed.
    func shouldUpgrade(
        request: HTTPRequest,
        channel: any Channel,
        logger: Logger
    ) async throws -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let uri = URI(request.path ?? "/")
        if SocketIOController.paths.contains(uri.path) {
            return try await self.socketIO.shouldUpgrade(request: request, uri: uri, channel: channel, logger: logger)
        }
        guard uri.path == "/ws" else { return .dontUpgrade }
        let verified: VerifiedToken
        do {
            if let origin = request.headerFields[.origin], !self.origins.allows(origin: origin, host: request.authority) {
                throw ChatError.forbidden("origin_not_allowed", "WebSocket connections from this origin are not allowed (see ALLOWED_ORIGINS).")
            }
            guard let token = AuthMiddleware.token(authorization: request.headerFields[.authorization], query: uri.queryParameters.get("token"))
            else { throw ChatError.invalidToken }
            verified = try await self.auth.sessions.verify(token)
        } catch {
            let chatError = error as? ChatError ?? .invalidToken
            try await RejectedUpgrade.write(chatError, on: channel)
            return .dontUpgrade
        }
        return .upgrade([:]) { inbound, outbound, _ in
            var logger = logger
            logger[metadataKey: "user.id"] = .string(verified.userID)
            let requests = inbound.messages(maxSize: self.maxFrameSize).map { message in
                guard case .text(let text) = message else {
                    return RealtimeRequest(.refused(.init(code: "invalid_frame", message: "Frames must be JSON text.")))
                }
                return RealtimeRequest(webSocketText: text)
            }
            try await self.session.serve(
                token: verified,
                requests: requests,
                edge: WebSocketEdge(outbound: outbound, channel: channel),
                logger: logger
            )
        }
    }

    /// `GET /ws` without an upgrade: 401 for a missing or bad token, as for the upgrade, or 400 otherwise.
    var endpoints: RouteCollection<ChatRequestContext> {
        RouteCollection(context: ChatRequestContext.self).add(middleware: self.auth).get { _, _ -> Response in
            throw ChatError.invalid("upgrade_required", "GET /ws is a WebSocket endpoint: send an Upgrade: websocket request.")
        }
    }
}

/// `/ws`'s side of a session: events as JSON text frames, replies as events.
struct WebSocketEdge: RealtimeEdge {
    let outbound: WebSocketOutboundWriter
    let channel: any Channel

    func accepted(_ id: RealtimeHub.ConnectionID) async throws {}

    func refused(reason: String) async throws {
        try await self.outbound.close(.unknown(RealtimeHub.tokenExpiredCode), reason: reason)
    }

    func write(_ outgoing: RealtimeHub.Outgoing) async throws -> Bool {
        switch outgoing {
        case .event(let event):
            try await self.outbound.write(.custom(.init(fin: true, opcode: .text, data: event.encoded(as: WebSocketEncoding.self))))
        case .frame(let frame):
            try await self.outbound.write(.custom(.init(fin: true, opcode: .text, data: frame)))
        case .close(let code, let reason):
            try await self.outbound.close(.init(codeNumber: Int(code)), reason: reason)
            return false
        }
        return true
    }

    func outgoing(for reply: RealtimeReply, ackID: Int?) -> RealtimeHub.Outgoing? {
        reply.event.map { .event(OutgoingEvent($0)) }
    }

    func cutOff() {
        self.channel.close(promise: nil)
    }

    /// Event frames skip the writer task: the hub writes them to the channel on its event loop.
    var directChannel: (any Channel)? { self.channel }
}
