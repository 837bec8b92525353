import Foundation
import Logging

/// Runs a ``SyncMachine`` against the network: it carries out the machine's actions with ``APIClient`` and
/// ``RealtimeClient``, feeds the results back, and publishes every new state on ``states``.
///
/// This is the one source of truth of a client: the UI reads `states` and calls the methods below.
public actor SyncEngine {
    private var machine: SyncMachine
    private let api: APIClient
    private var realtime: RealtimeClient?
    private let clock: @Sendable () -> Date
    private let backoff: Backoff
    private let logger: Logger
    private let continuation: AsyncStream<SyncState>.Continuation
    /// Every state change, newest first: a slow reader only ever misses intermediate states.
    public nonisolated let states: AsyncStream<SyncState>
    private var realtimeTask: Task<Void, Never>?
    private var wakeTask: Task<Void, Never>?
    private var wakeAt: Date?
    /// How many messages a first page holds.
    public let pageSize: Int

    public init(
        api: APIClient,
        me: User,
        pageSize: Int = 50,
        backoff: Backoff = Backoff(),
        clock: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "chat.sync")
    ) {
        self.machine = SyncMachine(me: me)
        self.api = api
        self.pageSize = pageSize
        self.backoff = backoff
        self.clock = clock
        self.logger = logger
        (self.states, self.continuation) = AsyncStream.makeStream(of: SyncState.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The current state.
    public var state: SyncState { self.machine.state }

    /// Loads the groups and opens the real-time connection.
    public func start() async {
        self.apply(.connection(.connecting))
        do {
            self.apply(.groupsLoaded(try await self.api.groups()))
        } catch {
            self.apply(.connection(error.isUnauthorized ? .signedOut : .offline))
            if error.isUnauthorized { return }
        }
        let realtime = RealtimeClient(api: self.api, backoff: self.backoff, logger: self.logger)
        self.realtime = realtime
        self.realtimeTask = Task { [weak self] in
            for await event in realtime.events() {
                await self?.receive(event)
            }
        }
    }

    /// Closes the connection; pending messages stay in the outbox.
    public func stop() {
        self.realtime?.stop()
        self.realtimeTask?.cancel()
        self.wakeTask?.cancel()
        self.apply(.connection(.offline))
    }

    /// Sends a message optimistically and returns its `clientId`.
    @discardableResult
    public func send(_ text: String, to groupID: String) -> String {
        let clientID = UUIDv7.make(at: self.clock())
        self.apply(.send(groupId: groupID, text: text, clientId: clientID, at: self.clock()))
        return clientID
    }

    public func focus(_ groupID: String?) { self.apply(.focus(groupId: groupID)) }
    public func loadOlder(_ groupID: String) { self.apply(.loadOlder(groupId: groupID)) }
    public func userTyped(in groupID: String) { self.apply(.userTyped(groupId: groupID, at: self.clock())) }
    public func discard(_ clientID: String) { self.apply(.discard(clientId: clientID)) }
    public func joined(_ group: Group) { self.apply(.joined(group)) }

    /// Loads a group's member list into its timeline.
    public func loadMembers(_ groupID: String) async throws(APIError) -> [Member] {
        let detail = try await self.api.group(id: groupID)
        self.apply(.membersLoaded(groupId: groupID, members: detail.members))
        return detail.members
    }

    /// Loads the presence of a group's members into ``SyncState/presence``.
    public func loadPresence(_ groupID: String) async throws(APIError) -> [MemberPresence] {
        let members = try await self.api.allMembers(groupID: groupID)
        self.apply(.presenceLoaded(members))
        return members
    }

    // MARK: The loop

    private func receive(_ event: RealtimeClient.Event) {
        switch event {
        case .status(let status):
            switch status {
            case .connecting: if self.machine.state.connection != .connected { self.apply(.connection(.connecting)) }
            case .connected: self.apply(.connection(.connected))
            case .waiting(let retryIn, _): self.apply(.connection(.reconnecting(retryIn: retryIn)))
            case .unauthorized: self.apply(.signedOut)
            case .stopped: if self.machine.state.connection != .signedOut { self.apply(.connection(.offline)) }
            }
        case .ready(let ready):
            self.apply(.ready(ready))
        case .server(let event):
            self.apply(.server(event, at: self.clock()))
        }
    }

    private func apply(_ event: SyncEvent) {
        let actions = self.machine.handle(event)
        self.continuation.yield(self.machine.state)
        for action in actions { self.perform(action) }
    }

    private func perform(_ action: SyncAction) {
        let api = self.api
        switch action {
        case .loadGroups:
            Task {
                if let groups = try? await api.groups() { self.apply(.groupsLoaded(groups)) }
            }
        case .loadNewest(let groupID):
            let limit = self.pageSize
            Task {
                do throws(APIError) {
                    self.apply(.newestLoaded(groupId: groupID, page: try await api.messages(groupID: groupID, limit: limit)))
                } catch {
                    self.apply(.loadFailed(groupId: groupID, reason: error.description))
                }
            }
        case .loadOlder(let groupID, let cursor):
            let limit = self.pageSize
            Task {
                do throws(APIError) {
                    self.apply(.olderLoaded(groupId: groupID, page: try await api.messages(groupID: groupID, limit: limit, cursor: cursor)))
                } catch {
                    self.apply(.loadFailed(groupId: groupID, reason: error.description))
                }
            }
        case .fetchChanges(let groupID, let since):
            Task {
                do throws(APIError) {
                    self.apply(.changesLoaded(groupId: groupID, page: try await api.changes(groupID: groupID, since: since)))
                } catch {
                    self.apply(.changesFailed(groupId: groupID, reason: error.description))
                }
            }
        case .markRead(let groupID, let seq):
            // The socket carries it when open; otherwise REST. A marker that does not arrive is sent again after
            // the next `ready`, which shows the server's.
            if (try? self.realtime?.send(.read(groupId: groupID, seq: seq))) == nil {
                Task { try? await api.markRead(groupID: groupID, seq: seq) }
            }
        case .deliver(let message):
            Task {
                do throws(APIError) {
                    let stored = try await api.sendMessage(groupID: message.groupId, text: message.text, clientID: message.clientId)
                    self.apply(.delivered(clientId: message.clientId, message: stored))
                } catch {
                    self.apply(.deliveryFailed(clientId: message.clientId, reason: error.description, retryable: error.isRetryable))
                }
            }
        case .sendTyping(let groupID):
            try? self.realtime?.send(.typing(groupId: groupID))
        case .wakeUp(let at):
            if let scheduled = self.wakeAt, scheduled <= at { return }
            self.wakeAt = at
            self.wakeTask?.cancel()
            let delay = max(0, at.timeIntervalSince(self.clock()))
            self.wakeTask = Task {
                try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
                guard !Task.isCancelled else { return }
                self.wokeUp()
            }
        }
    }

    private func wokeUp() {
        self.wakeAt = nil
        self.apply(.tick(self.clock()))
    }
}
