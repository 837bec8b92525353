import ChatCore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// Delivers the other instances' events to this instance's sockets: it `LISTEN`s on `chat_events` with a
/// connection of its own, reads each new message from the database (payloads carry ids, not texts), and
/// publishes it to the local hub.
///
/// A notification is a hint, not the record. When the listening connection drops, the listener reconnects
/// with backoff, `LISTEN`s again, and then catches up from the database: every message after the newest
/// `seq` this instance delivered in each group its sockets follow, and every membership made meanwhile. So
/// sockets stay open and miss nothing; a message may arrive twice, which the hub (and `seq`) filters out.
final class PostgresListener: Service, Sendable {
    private let store: PostgresStore
    private let repository: PostgresChatRepository
    private let hub: RealtimeHub
    private let backoff: Backoff
    private var logger: Logger { self.store.logger }

    /// How far before a lost connection the membership catch-up starts, for clocks that differ a little.
    static let membershipMargin: TimeInterval = 5

    init(
        store: PostgresStore,
        repository: PostgresChatRepository,
        hub: RealtimeHub,
        backoff: Backoff = Backoff(base: .milliseconds(200), cap: .seconds(5))
    ) {
        self.store = store
        self.repository = repository
        self.hub = hub
        self.backoff = backoff
    }

    /// The `application_name` of the listening connection, which operators (and tests) can look for.
    var applicationName: String { "chat-server listener \(self.store.instanceID)" }

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            var lostAt: Date? = Date()
            var attempt = 0
            var first = true
            while !Task.isCancelled {
                do {
                    let configuration = try self.store.url.connectionConfiguration(applicationName: self.applicationName)
                    let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: self.logger)
                    do {
                        try await connection.listen(on: FanOutPayload.channel) { notifications in
                            attempt = 0
                            if let since = lostAt {
                                // Sockets may have connected before the first LISTEN: they get what they missed too.
                                try await self.recover(since: since.addingTimeInterval(-Self.membershipMargin), first: first)
                                lostAt = nil
                                first = false
                            }
                            for try await notification in notifications {
                                await self.handle(notification.payload)
                            }
                        }
                    } catch {
                        try? await connection.close()
                        throw error
                    }
                    try? await connection.close()
                } catch {
                    if Task.isCancelled { return }
                    if lostAt == nil { lostAt = Date() }
                    self.logger.warning("Lost the PostgreSQL LISTEN connection; reconnecting", metadata: ["error": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: self.backoff.delay(attempt: attempt))
                attempt += 1
            }
        }
    }

    /// Publishes a notified event here: this instance's own from ``PendingEvents``, another's (or an own one no
    /// longer held) from the database.
    private func handle(_ text: String) async {
        guard let payload = FanOutPayload.decode(text) else { return }
        if payload.instance == self.store.instanceID, let number = payload.event, let event = self.store.pending.take(number) {
            self.hub.publish([event])
            return
        }
        do {
            if let event = try await self.event(of: payload) { self.hub.publish([event]) }
        } catch {
            self.logger.error("Could not deliver a notified event", metadata: ["kind": "\(payload.kind)", "error": "\(error)"])
        }
    }

    /// The event a notification stands for, read from the database where the payload carries only ids; `nil` when
    /// no socket here needs it.
    private func event(of payload: FanOutPayload) async throws -> ChatEvent? {
        let group = payload.group ?? ""
        let user = payload.user ?? ""
        switch payload.kind {
        case "m", "u":
            guard let seq = payload.seq, self.hub.hasSubscribers(group), let message = try await self.repository.message(in: group, seq: seq) else {
                return nil
            }
            return payload.kind == "m" ? .messageCreated(message) : .messageUpdated(message)
        case "j":
            guard let name = payload.name, let role = payload.role.flatMap(GroupRole.init(rawValue:)) else { return nil }
            return .memberJoined(groupID: group, user: UserSummary(id: user, displayName: name), role: role, rev: payload.rev ?? 0)
        case "x":
            guard let reason = payload.detail.flatMap(RemovalReason.init(rawValue:)), let rev = payload.rev else { return nil }
            return .memberRemoved(groupID: group, userID: user, reason: reason, rev: rev)
        case "w":
            guard let role = payload.role.flatMap(GroupRole.init(rawValue:)), let rev = payload.rev else { return nil }
            return .memberUpdated(groupID: group, userID: user, role: role, rev: rev)
        case "g":
            guard let rev = payload.rev, self.hub.hasSubscribers(group) else { return nil }
            return try await self.repository.groupInfo(id: group).map { .groupUpdated($0, rev: rev) }
        case "z":
            return .groupDeleted(groupID: group)
        case "q":
            guard let requestID = payload.detail, let request = try await self.repository.joinRequest(id: requestID) else { return nil }
            return .joinRequested(request.request, managers: request.managers)
        case "d":
            guard let requestID = payload.detail else { return nil }
            return .joinDenied(groupID: group, requestID: requestID, userID: user)
        case "t":
            guard let name = payload.name else { return nil }
            return .typing(groupID: group, user: UserSummary(id: user, displayName: name))
        case "r":
            guard let seq = payload.seq, self.hub.isConnected(user) else { return nil }
            return .read(userID: user, groupID: group, seq: seq)
        case "p":
            guard let status = payload.status.flatMap(Presence.Status.init(rawValue:)), self.hub.connectionCount > 0 else { return nil }
            let groups: [String]
            if let carried = payload.groups { groups = carried } else { groups = try await self.repository.groupIDs(of: user) }
            return .presence(PresenceUpdate(userID: user, status: status, lastSeenAt: payload.lastSeen.map(Timestamp.date), groupIDs: groups))
        case "s":
            guard let version = payload.version else { return nil }
            return .sessionsEnded(userID: user, version: version, deleted: payload.detail == "deleted")
        default:
            return nil
        }
    }

    /// How far before the newest known rev the catch-up starts: changes delivered out of order just before the
    /// connection dropped are read again, and the hub sends each only once.
    static let recoveryOverlap: Int64 = 256

    /// Delivers what was committed while no notification could arrive: the memberships made meanwhile of the
    /// users connected here, and each followed group's changes from its newest known rev (less an overlap)
    /// through the change feed, memberships included; a followed group that is gone was deleted. Own events held
    /// for notifications that may never come are dropped first: the catch-up replaces them.
    private func recover(since: Date, first: Bool) async throws {
        self.store.pending.clear()
        let users = self.hub.connectedUsers()
        try await self.recoverSessions(of: users)
        let known = self.hub.knownCursors()
        if !users.isEmpty {
            let rows = try await self.store.client.query(
                """
                SELECT m.group_id, m.user_id, u.display_name, m.role, m.rev FROM memberships m JOIN users u ON u.id = m.user_id
                WHERE m.joined_at >= \(since.milliseconds) AND m.user_id = ANY(\(users)) ORDER BY m.joined_at
                """,
                logger: self.logger
            )
            var joins: [ChatEvent] = []
            for try await (group, user, name, role, rev) in rows.decode((String, String, String, String, Int64).self) where known[group] == nil {
                let member = UserSummary(id: user, displayName: name)
                joins.append(.memberJoined(groupID: group, user: member, role: GroupRole(rawValue: role) ?? .member, rev: rev))
            }
            self.hub.publish(joins)
        }
        var delivered = 0
        for (group, cursor) in known {
            var since = max(0, cursor.rev - Self.recoveryOverlap)
            while true {
                let page: ChangePage
                do {
                    page = try await self.repository.changes(in: group, since: since, limit: 500)
                } catch let error as ChatError where error == .groupNotFound {
                    self.hub.publish([.groupDeleted(groupID: group)])
                    break
                }
                delivered += self.hub.deliver(Self.events(of: page, in: group, newerThan: cursor.seq))
                guard page.hasMore else { break }
                since = page.rev
            }
        }
        let text: Logger.Message = first ? "Listening for the other instances' events" : "Recovered the PostgreSQL LISTEN connection"
        self.logger.notice(text, metadata: ["caught_up_messages": "\(delivered)"])
    }

    /// Token versions raised meanwhile were not heard: every account is read again, and the sockets here whose
    /// sessions ended are closed.
    private func recoverSessions(of users: [String]) async throws {
        self.hub.sessions.removeAll()
        guard !users.isEmpty else { return }
        let rows = try await self.store.client.query(
            "SELECT id, token_version, deleted_at IS NOT NULL FROM users WHERE id = ANY(\(users))",
            logger: self.logger
        )
        var ended: [ChatEvent] = []
        for try await (user, version, deleted) in rows.decode((String, Int64, Bool).self) {
            ended.append(.sessionsEnded(userID: user, version: version, deleted: deleted))
        }
        self.hub.publish(ended)
    }

    /// A change-feed page as events, in `rev` order: a message newer than `seq` as new, another as changed; a
    /// membership as it now is (a join or a role), or its removal; the group's settings.
    static func events(of page: ChangePage, in groupID: String, newerThan seq: Int64) -> [ChatEvent] {
        var events: [(rev: Int64, event: ChatEvent)] = page.messages.map { ($0.rev, $0.seq > seq ? .messageCreated($0) : .messageUpdated($0)) }
        for change in page.members {
            if let member = change.member {
                events.append((change.rev, .memberJoined(groupID: groupID, user: member.user, role: member.role, rev: change.rev)))
            } else {
                events.append((change.rev, .memberRemoved(groupID: groupID, userID: change.userId, reason: change.removed ?? .left, rev: change.rev)))
            }
        }
        if let group = page.group { events.append((page.rev, .groupUpdated(group, rev: 0))) }
        return events.sorted { $0.rev < $1.rev }.map(\.event)
    }
}
