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
        switch payload.kind {
        case "m":
            guard let seq = payload.seq, self.hub.hasSubscribers(payload.group) else { return }
            do {
                let messages = try await self.repository.messages(in: payload.group, after: seq - 1, limit: 1)
                self.hub.publish(messages.filter { $0.seq == seq }.map { .messageCreated($0) })
            } catch {
                self.logger.error("Could not read a notified message", metadata: ["group": "\(payload.group)", "error": "\(error)"])
            }
        case "j":
            guard let user = payload.user, let name = payload.name, let role = payload.role.flatMap(GroupRole.init(rawValue:)) else { return }
            self.hub.publish([.memberJoined(groupID: payload.group, user: UserSummary(id: user, displayName: name), role: role)])
        case "t":
            guard let user = payload.user, let name = payload.name else { return }
            self.hub.publish([.typing(groupID: payload.group, user: UserSummary(id: user, displayName: name))])
        default:
            break
        }
    }

    /// Delivers what was committed while no notification could arrive.
    private func recover(since: Date) async throws {
        let users = self.hub.connectedUsers()
        let known = self.hub.knownSeqs()
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
        for (group, seq) in self.hub.knownSeqs() {
            var after = seq
            while true {
                let messages = try await self.repository.messages(in: group, after: after, limit: 500)
                self.hub.publish(messages.map { .messageCreated($0) })
                delivered += messages.count
                guard messages.count == 500, let last = messages.last?.seq else { break }
                after = last
            }
        }
        self.logger.notice("Recovered the PostgreSQL LISTEN connection", metadata: ["caught_up_messages": "\(delivered)"])
    }
}
