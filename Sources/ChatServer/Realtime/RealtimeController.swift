import ChatCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore

/// `GET /ws`: the real-time connection.
///
/// On connect the socket is subscribed to every group of the user, then receives `ready` with each group's
/// `lastSeq`, then live events. Events committed while it was being set up are held back and follow `ready`,
/// so a client that catches up from `ready` misses nothing (it may see a message twice; `seq` tells).
struct RealtimeController {
    let service: ChatService
    let hub: RealtimeHub
    /// Told of every connection that opens and closes.
    let presence: PresenceTracker
    let auth: AuthMiddleware
    /// The largest frame a client may send.
    let maxFrameSize: Int
    /// Browser origins allowed to connect (`*` for any); requests without an `Origin` are always allowed.
    let allowedOrigins: [String]
    let clock: WallClock

    /// Close codes: 4001 asks the client to sign in again, 1001 means the server is going away.
    static let tokenExpiredCode: UInt16 = 4001
    static let goingAwayCode: UInt16 = 1001
    /// Sends one connection may have queued and not yet acknowledged; the next frame waits for a slot.
    static let maxSendsInFlight = 32

    /// Decides on a WebSocket upgrade request. A missing or bad token is answered with HTTP 401 and the usual
    /// JSON error body before any upgrade, and the connection is closed.
    func shouldUpgrade(
        request: HTTPRequest,
        channel: any Channel,
        logger: Logger
    ) async throws -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let uri = URI(request.path ?? "/")
        guard uri.path == "/ws" else { return .dontUpgrade }
        let verified: VerifiedToken
        do {
            if let origin = request.headerFields[.origin], !self.allows(origin: origin, host: request.authority) {
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
            try await self.session(
                inbound: inbound,
                outbound: outbound,
                token: verified,
                channel: channel,
                logger: logger
            )
        }
    }

    /// The `Origin` check that stops other web sites from opening a socket with a visitor's token (cross-site
    /// WebSocket hijacking). Only browsers need it, and they send `http(s)://` origins: an origin of another
    /// scheme (`ws://…`, an app's own) comes from a native client, which could send any header anyway.
    /// A browser origin must be the server's own host, or be listed in `ALLOWED_ORIGINS`.
    func allows(origin: String, host: String?) -> Bool {
        if self.allowedOrigins.contains("*") { return true }
        let scheme = origin.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
        guard scheme == "http" || scheme == "https" else { return origin.lowercased() != "null" }
        guard let normalized = ServerConfiguration.origin(of: origin) else { return false }
        if self.allowedOrigins.contains(normalized) { return true }
        guard let host, let components = URLComponents(string: normalized), let originHost = components.host else { return false }
        let port = components.port.map { ":\($0)" } ?? ""
        return (originHost + port).lowercased() == host.lowercased()
    }

    /// `GET /ws` without an upgrade: 401 for a missing or bad token, as for the upgrade, or 400 otherwise.
    var endpoints: RouteCollection<ChatRequestContext> {
        RouteCollection(context: ChatRequestContext.self).add(middleware: self.auth).get { _, _ -> Response in
            throw ChatError.invalid("upgrade_required", "GET /ws is a WebSocket endpoint: send an Upgrade: websocket request.")
        }
    }

    private func session(
        inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter,
        token: VerifiedToken,
        channel: any Channel,
        logger: Logger
    ) async throws {
        let userID = token.userID
        guard let user = try? await self.service.me(userID) else {
            try await outbound.close(.unknown(4001), reason: "invalid token")
            return
        }
        let (id, frames) = self.hub.register(userID: userID, tokenVersion: token.version) { channel.close(promise: nil) }
        // Checked again once registered: a session ended between the upgrade and now found no socket to close.
        guard (try? await self.auth.sessions.verifyVersion(of: token)) == true else {
            self.hub.unregister(id)
            try await outbound.close(.unknown(RealtimeHub.sessionEndedCode), reason: "session ended")
            return
        }
        self.presence.opened(userID)
        defer {
            self.hub.unregister(id)
            self.presence.closed(userID)
        }
        logger.debug("WebSocket connected", metadata: ["ws.id": "\(id)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await outgoing in frames {
                    switch outgoing {
                    case .frame(let frame):
                        try await outbound.write(.custom(.init(fin: true, opcode: .text, data: frame)))
                    case .close(let code, let reason):
                        try await outbound.close(.init(codeNumber: Int(code)), reason: reason)
                        return
                    }
                }
            }
            // A socket lives no longer than its token: then the client must sign in again.
            let remaining = token.expiresAt.timeIntervalSince(self.clock.now())
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int64(max(0, remaining) * 1000)))
                self.hub.close(id, code: Self.tokenExpiredCode, reason: "token expired")
            }
            // Subscribe first, then read the cursors: whatever commits in between is both counted and delivered.
            self.hub.subscribe(id, to: try await self.service.groupIDs(of: userID))
            let groups = try await self.service.groups(of: userID)
            self.hub.subscribe(id, to: groups.map(\.id))
            self.hub.ready(id, event: .ready(.init(user: user, groups: groups.map(ServerEvent.GroupCursor.init))))
            // Sends are queued in the order they arrive and acknowledged as they become durable, so that the
            // next frame is read without waiting for the previous commit; at most `maxSendsInFlight` at once.
            let window = SendWindow(limit: Self.maxSendsInFlight)
            try await withThrowingDiscardingTaskGroup { sends in
                for try await message in inbound.messages(maxSize: self.maxFrameSize) {
                    guard let acknowledge = await self.handle(message, connection: id, user: user) else { continue }
                    await window.acquire()
                    sends.addTask {
                        await acknowledge()
                        window.release()
                    }
                }
            }
            group.cancelAll()
        }
        logger.debug("WebSocket closed", metadata: ["ws.id": "\(id)"])
    }

    /// Handles one frame. For a send queued in order, returns what remains to do (await the commit, then
    /// acknowledge), for the caller to run concurrently.
    private func handle(
        _ message: WebSocketMessage,
        connection id: RealtimeHub.ConnectionID,
        user: User
    ) async -> (@Sendable () async -> Void)? {
        guard case .text(let text) = message else {
            self.hub.send(.error(.init(code: "invalid_frame", message: "Frames must be JSON text.")), to: id)
            return nil
        }
        let event: ClientEvent
        do {
            event = try ChatJSON.decoder.decode(ClientEvent.self, from: Data(text.utf8))
        } catch let error as ClientEvent.UnknownType {
            self.hub.send(.error(.init(code: "unknown_event", message: "Unknown event type \"\(error.type.prefix(64))\".")), to: id)
            return nil
        } catch {
            let message = "Expected {\"type\": \"...\", \"data\": {...}} with the event's fields."
            self.hub.send(.error(.init(code: "invalid_frame", message: message)), to: id)
            return nil
        }
        switch event {
        case .roomJoin(let groupID):
            do {
                guard try await self.service.isMember(userID: user.id, of: groupID) else { throw ChatError.groupNotFound }
                self.hub.subscribe(id, to: [groupID])
                self.hub.send(.roomJoined(.init(groupId: groupID)), to: id)
            } catch {
                self.sendError(error, to: id)
            }
        case .messageSend(let groupID, let text, let clientID, let replyTo):
            let pending: PendingWrite<MessageAppend>
            do {
                pending = try self.service.submitMessage(groupID: groupID, text: text, clientID: clientID, replyTo: replyTo, from: user.id)
            } catch {
                self.sendError(error, clientID: clientID, to: id)
                return nil
            }
            let acknowledge: @Sendable () async -> Void = {
                do {
                    let result = try await self.service.finish(pending)
                    self.hub.send(.messageAck(.init(clientId: clientID, message: result.message)), to: id)
                } catch {
                    self.sendError(error, clientID: clientID, to: id)
                }
            }
            // A backend that does not queue in order must finish each send before the next one starts.
            guard self.service.queuesMessagesInOrder else {
                await acknowledge()
                return nil
            }
            return acknowledge
        case .typing(let groupID):
            do {
                try await self.service.typing(groupID: groupID, user: user.summary)
            } catch {
                self.sendError(error, to: id)
            }
        case .read(let groupID, let seq):
            do {
                try await self.service.markRead(groupID: groupID, seq: seq, by: user.id)
            } catch {
                self.sendError(error, to: id)
            }
        }
        return nil
    }

    private func sendError(_ error: any Error, clientID: String? = nil, to id: RealtimeHub.ConnectionID) {
        let chatError = error as? ChatError ?? .internal()
        self.hub.send(.error(.init(code: chatError.code, message: chatError.message, clientId: clientID)), to: id)
    }
}
