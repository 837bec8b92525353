import ChatCore
import ServiceLifecycle

/// With SQLite, `chat-server admin` writes through a connection of its own, in another process, so this server's
/// event feed never hears of a disabled account or a reset password. Once a second the watcher asks SQLite whether
/// another connection has committed; when one has, it forgets the cached token versions and ends the sockets
/// whose tokens no longer hold. (With PostgreSQL the admin command's changes arrive as notifications.)
struct ExternalWriteWatcher: Service {
    let dataVersion: @Sendable () async throws -> Int
    let repository: any ChatRepository
    let hub: RealtimeHub
    let versions: SessionVersions
    var interval = Duration.seconds(1)

    func run() async throws {
        var seen = try? await self.dataVersion()
        while true {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
            guard let version = try? await self.dataVersion(), version != seen else { continue }
            seen = version
            self.versions.removeAll()
            var events: [ChatEvent] = []
            for userID in self.hub.connectedUserIDs {
                guard let state = try? await self.repository.sessionState(of: userID) else { continue }
                // Sockets whose token is older than the stored version, or all of an account disabled or deleted.
                events.append(.sessionsEnded(userID: userID, version: state.version, deleted: state.deleted))
            }
            if !events.isEmpty { self.hub.publish(events) }
        }
    }
}
