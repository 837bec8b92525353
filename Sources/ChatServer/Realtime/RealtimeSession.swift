import ChatCore
import Foundation
import Logging
import Tracing

/// One user's real-time session, whatever transport carries it (`/ws` or Socket.IO): the subscriptions,
/// `ready`, live events, the token's lifetime and the client's requests. The transport is a ``RealtimeEdge``.
///
/// On connect the session is subscribed to every group of the user, then receives `ready` with each group's
/// `lastSeq`, then live events. Events committed while it was being set up are held back and follow `ready`,
/// so a client that catches up from `ready` misses nothing (it may see a message twice; `seq` tells).
struct RealtimeSession {
    let service: ChatService
    let hub: RealtimeHub
    /// Told of every connection that opens and closes.
    let presence: PresenceTracker
    let sessions: SessionVerifier

    /// Sends one connection may have queued and not yet acknowledged; the next request waits for a slot.
    static let maxSendsInFlight = 32

    /// Runs the session until `requests` ends (the client went) or the edge stops writing.
    func serve<Requests: AsyncSequence>(
        token: VerifiedToken,
        requests: Requests,
        edge: some RealtimeEdge,
        logger: Logger
    ) async throws where Requests.Element == RealtimeRequest {
        let userID = token.userID
        guard let user = try? await self.service.me(userID) else {
            try await edge.refused(reason: "invalid token")
            return
        }
        let (id, outgoing) = self.hub.register(
            userID: userID,
            tokenVersion: token.version,
            expiresAt: token.expiresAt,
            channel: edge.directChannel
        ) { edge.cutOff() }
        // Checked again once registered: a session ended between the upgrade and now found no socket to close.
        guard (try? await self.sessions.verifyVersion(of: token)) == true else {
            self.hub.unregister(id)
            try await edge.refused(reason: "session ended")
            return
        }
        try await edge.accepted(id)
        self.presence.opened(userID)
        defer {
            self.hub.unregister(id)
            self.presence.closed(userID)
        }
        logger.debug("Real-time session opened", metadata: ["ws.id": "\(id)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await item in outgoing {
                    guard try await edge.write(item) else { return }
                }
            }
            // Subscribe first, then read the cursors: whatever commits in between is both counted and delivered.
            self.hub.subscribe(id, to: try await self.service.groupIDs(of: userID))
            let groups = try await self.service.groups(of: userID)
            self.hub.subscribe(id, to: groups.map(\.id))
            self.hub.ready(id, event: .ready(.init(user: user, groups: groups.map(ServerEvent.GroupCursor.init))))
            // Sends are queued in the order they arrive and acknowledged as they become durable, so that the
            // next request is read without waiting for the previous commit; at most `maxSendsInFlight` at once.
            let window = SendWindow(limit: Self.maxSendsInFlight)
            try await withThrowingDiscardingTaskGroup { sends in
                for try await request in requests {
                    let reply: @Sendable (RealtimeReply) -> Void = { reply in
                        guard let item = edge.outgoing(for: reply, ackID: request.ackID) else { return }
                        self.hub.send(item, to: id)
                    }
                    let span = Self.span(for: request.content, connection: id)
                    let handled = await ServiceContext.withValue(span?.context ?? ServiceContext.current) {
                        await self.handle(request.content, connection: id, user: user, reply: reply)
                    }
                    guard let acknowledge = handled else {
                        span?.end()
                        continue
                    }
                    await window.acquire()
                    sends.addTask {
                        await acknowledge()
                        span?.end()
                        window.release()
                    }
                }
            }
            group.cancelAll()
        }
        logger.debug("Real-time session closed", metadata: ["ws.id": "\(id)"])
    }

    /// Handles one request. For a send queued in order, returns what remains to do (await the commit, then
    /// acknowledge), for the caller to run concurrently.
    private func handle(
        _ request: RealtimeRequest.Content,
        connection id: RealtimeHub.ConnectionID,
        user: User,
        reply: @escaping @Sendable (RealtimeReply) -> Void
    ) async -> (@Sendable () async -> Void)? {
        let event: ClientEvent
        switch request {
        case .refused(let error):
            reply(.error(error))
            return nil
        case .event(let understood):
            event = understood
        }
        switch event {
        case .roomJoin(let groupID):
            do {
                guard try await self.service.isMember(userID: user.id, of: groupID) else { throw ChatError.groupNotFound }
                self.hub.subscribe(id, to: [groupID])
                reply(.roomJoined(.init(groupId: groupID)))
            } catch {
                reply(Self.failure(error))
            }
        case .messageSend(let groupID, let text, let clientID, let replyTo):
            let pending: PendingWrite<MessageAppend>
            do {
                pending = try self.service.submitMessage(groupID: groupID, text: text, clientID: clientID, replyTo: replyTo, from: user.id)
            } catch {
                reply(Self.failure(error, clientID: clientID))
                return nil
            }
            let acknowledge: @Sendable () async -> Void = {
                do {
                    let result = try await self.service.finish(pending)
                    reply(.messageAck(.init(clientId: clientID, message: result.message)))
                } catch {
                    reply(Self.failure(error, clientID: clientID))
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
                reply(.done)
            } catch {
                reply(Self.failure(error))
            }
        case .read(let groupID, let seq):
            do {
                try await self.service.markRead(groupID: groupID, seq: seq, by: user.id)
                reply(.done)
            } catch {
                reply(Self.failure(error))
            }
        }
        return nil
    }

    /// With tracing on, a server span per client event (`ws message:send`), parent of its storage and fan-out spans.
    private static func span(for request: RealtimeRequest.Content, connection: RealtimeHub.ConnectionID) -> (any Span)? {
        guard ServerTracing.isActive, case .event(let event) = request else { return nil }
        let span = startSpan("ws \(event.type)", context: .topLevel, ofKind: .server)
        span.attributes["chat.connection"] = "\(connection)"
        return span
    }

    private static func failure(_ error: any Error, clientID: String? = nil) -> RealtimeReply {
        let chatError = error as? ChatError ?? .internal()
        return .error(.init(code: chatError.code, message: chatError.message, clientId: clientID))
    }
}
