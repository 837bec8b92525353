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
            while !Task.isCancelled {
                do {
                    let configuration = try self.store.url.connectionConfiguration(applicationName: self.applicationName)
                    let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: self.logger)
                    do {
                        try await connection.listen(on: FanOutPayload.channel) { notifications in
                            attempt = 0
                            if let since = lostAt {
                                try await self.recover(since: since.addingTimeInterval(-Self.membershipMargin))
                                lostAt = nil
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

    /// Publishes another instance's event locally.
    private func handle(_ text: String) async {
        guard let payload = FanOutPayload.decode(text), payload.instance != self.store.instanceID else { return }
        do {
            switch payload.kind {
            case "m", "u":
                guard let group = payload.group, let seq = payload.seq, self.hub.hasSubscribers(group),
                    let message = try await self.repository.message(in: group, seq: seq)
                else { return }
                self.hub.publish([payload.kind == "m" ? .messageCreated(message) : .messageUpdated(message)])
            case "j":
                guard let group = payload.group, let user = payload.user, let name = payload.name,
                    let role = payload.role.flatMap(GroupRole.init(rawValue:))
                else { return }
                self.hub.publish([.memberJoined(groupID: group, user: UserSummary(id: user, displayName: name), role: role)])
            case "t":
                guard let group = payload.group, let user = payload.user, let name = payload.name else { return }
                self.hub.publish([.typing(groupID: group, user: UserSummary(id: user, displayName: name))])
            case "r":
                guard let group = payload.group, let user = payload.user, let seq = payload.seq, self.hub.isConnected(user) else { return }
                self.hub.publish([.read(userID: user, groupID: group, seq: seq)])
            case "p":
                guard let user = payload.user, let status = payload.status.flatMap(Presence.Status.init(rawValue:)), self.hub.connectionCount > 0
                else { return }
                let groups: [String]
                if let carried = payload.groups { groups = carried } else { groups = try await self.repository.groupIDs(of: user) }
                let update = PresenceUpdate(userID: user, status: status, lastSeenAt: payload.lastSeen.map(Timestamp.date), groupIDs: groups)
                self.hub.publish([.presence(update)])
            default:
                break
            }
        } catch {
            self.logger.error("Could not deliver a notified event", metadata: ["kind": "\(payload.kind)", "error": "\(error)"])
        }
    }

    /// How far before the newest known rev the catch-up starts: changes delivered out of order just before the
    /// connection dropped are read again, and the hub sends each only once.
    static let recoveryOverlap: Int64 = 256

    /// Delivers what was committed while no notification could arrive: the memberships made meanwhile, and each
    /// followed group's changes from its newest known rev (less an overlap), through the change feed.
    private func recover(since: Date) async throws {
        let users = self.hub.connectedUsers()
        let known = self.hub.knownCursors()
        if !users.isEmpty {
            let groups = Array(known.keys)
            let rows = try await self.store.client.query(
                """
                SELECT m.group_id, m.user_id, u.display_name, m.role FROM memberships m JOIN users u ON u.id = m.user_id
                WHERE m.joined_at >= \(since.milliseconds) AND (m.user_id = ANY(\(users)) OR m.group_id = ANY(\(groups)))
                ORDER BY m.joined_at
                """,
                logger: self.logger
            )
            var joins: [ChatEvent] = []
            for try await (group, user, name, role) in rows.decode((String, String, String, String).self) {
                joins.append(
                    .memberJoined(groupID: group, user: UserSummary(id: user, displayName: name), role: GroupRole(rawValue: role) ?? .member)
                )
            }
            self.hub.publish(joins)
        }
        var delivered = 0
        for (group, cursor) in self.hub.knownCursors() {
            var since = max(0, cursor.rev - Self.recoveryOverlap)
            while true {
                let page = try await self.repository.changes(in: group, since: since, limit: 500)
                delivered += self.hub.deliver(page.messages.map { $0.seq > cursor.seq ? .messageCreated($0) : .messageUpdated($0) })
                guard page.hasMore else { break }
                since = page.rev
            }
        }
        self.logger.notice("Recovered the PostgreSQL LISTEN connection", metadata: ["caught_up_messages": "\(delivered)"])
    }
}
