import ChatCore
import Foundation
import Logging
import ServiceLifecycle

/// Turns this instance's WebSocket connections into presence: one consumer runs ``PresenceMachine`` over the
/// opens, closes and ticks in the order they happen, and carries out its writes one at a time. The repository
/// decides, across instances, whether a write changes what co-members see, and announces it.
///
/// On a graceful stop every user recorded here goes offline at once. An instance that dies without stopping
/// stops renewing its users' presence, which then expires (``lifetime``) and is swept by another instance.
final class PresenceTracker: Service, Sendable {
    private enum Input: Sendable {
        case opened(String)
        case closed(String)
        case tick
        case stop
    }

    /// How long a presence record lives without renewal.
    static let lifetime: TimeInterval = 60
    /// How often the consumer looks at the clock.
    static let tickInterval: Duration = .seconds(1)

    private let repository: any ChatRepository
    private let instance: String
    private let clock: WallClock
    private let timing: PresenceMachine.Timing
    private let logger: Logger
    private let inputs: AsyncStream<Input>
    private let continuation: AsyncStream<Input>.Continuation

    init(repository: any ChatRepository, instance: String, grace: TimeInterval, clock: WallClock, logger: Logger) {
        self.repository = repository
        self.instance = instance
        self.clock = clock
        self.timing = PresenceMachine.Timing(grace: grace)
        self.logger = logger
        (self.inputs, self.continuation) = AsyncStream.makeStream(of: Input.self)
    }

    /// A WebSocket of the user opened on this instance.
    func opened(_ userID: String) { self.continuation.yield(.opened(userID)) }

    /// A WebSocket of the user closed.
    func closed(_ userID: String) { self.continuation.yield(.closed(userID)) }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: Self.tickInterval)
                        self.continuation.yield(.tick)
                    }
                }
                await self.consume()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.continuation.yield(.stop)
        }
    }

    /// The one consumer of the inputs, until `stop`.
    private func consume() async {
        var machine = PresenceMachine(timing: self.timing, startedAt: self.clock.now())
        for await input in self.inputs {
            let now = self.clock.now()
            let actions: [PresenceMachine.Action]
            switch input {
            case .opened(let userID): actions = machine.opened(userID, at: now)
            case .closed(let userID): actions = machine.closed(userID, at: now)
            case .tick: actions = machine.tick(at: now)
            case .stop: actions = machine.stop(at: now)
            }
            for action in actions { await self.perform(action, recorded: machine.recorded, at: now) }
            if case .stop = input { return }
        }
    }

    private func perform(_ action: PresenceMachine.Action, recorded: Set<String>, at now: Date) async {
        do {
            switch action {
            case .online(let userID, let at):
                _ = try await self.repository.presenceOnline(userID: userID, instance: self.instance, at: at, expiresAt: self.expiry(after: now))
            case .offline(let userID, let at):
                _ = try await self.repository.presenceOffline(userID: userID, instance: self.instance, at: at)
            case .renew:
                let held = try await self.repository.renewPresence(instance: self.instance, at: now, until: self.expiry(after: now))
                // Records swept while this instance was too slow to renew them are written again.
                if held < recorded.count {
                    self.logger.warning(
                        "Presence records of this instance had expired; writing them again",
                        metadata: ["users": "\(recorded.count - held)"]
                    )
                    for userID in recorded.sorted() {
                        _ = try await self.repository.presenceOnline(
                            userID: userID,
                            instance: self.instance,
                            at: now,
                            expiresAt: self.expiry(after: now)
                        )
                    }
                }
            case .sweep:
                let expired = try await self.repository.expirePresence(at: now)
                if !expired.isEmpty { self.logger.notice("Swept expired presence", metadata: ["users": "\(expired.count)"]) }
            }
        } catch {
            self.logger.error("Could not record presence", metadata: ["error": "\(error)"])
        }
    }

    private func expiry(after now: Date) -> Date {
        now.addingTimeInterval(Self.lifetime)
    }
}
