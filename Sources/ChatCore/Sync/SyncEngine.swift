import Foundation
import Logging
import Synchronization

/// Runs a ``SyncMachine`` against the network: it carries out the machine's actions with ``APIClient`` and
/// ``RealtimeClient``, feeds the results back, and publishes every new state on ``states``.
///
/// This is the one source of truth of a client: the UI reads `states` and calls the methods below, which only
/// queue an input. ``run()`` is one structured loop that takes the inputs in order; everything it starts (the
/// connection, the deliveries, page fetches, timers) is a child task of it, and ends with ``stop()``.
public final class SyncEngine: Sendable {
    /// What the loop takes in, in order.
    enum Input: Sendable {
        case event(SyncEvent)
        case realtime(RealtimeClient.Event)
        /// A timer asked for by ``SyncAction/wakeUp(at:)`` went off.
        case woke(Date)
    }

    private let api: APIClient
    private let realtime: RealtimeClient
    private let clock: @Sendable () -> Date
    private let inputs = AsyncStream.makeStream(of: Input.self)
    /// The machine as it starts: empty, or restored from a cache.
    private let initial: SyncMachine
    private let current: Mutex<SyncState>
    private let statesContinuation: AsyncStream<SyncState>.Continuation
    /// Every state change, newest first: a slow reader only ever misses intermediate states. It ends when
    /// ``run()`` returns.
    public let states: AsyncStream<SyncState>
    /// How many messages a first page holds.
    public let pageSize: Int

    public init(
        api: APIClient,
        me: User,
        pageSize: Int = 50,
        restoring snapshot: SyncSnapshot? = nil,
        backoff: Backoff = Backoff(),
        clock: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "chat.sync")
    ) {
        self.api = api
        self.realtime = RealtimeClient(api: api, backoff: backoff, logger: logger)
        self.pageSize = pageSize
        self.clock = clock
        self.initial = snapshot.map { SyncMachine(me: me, restoring: $0) } ?? SyncMachine(me: me)
        self.current = Mutex(self.initial.state)
        (self.states, self.statesContinuation) = AsyncStream.makeStream(of: SyncState.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The current state.
    public var state: SyncState { self.current.withLock { $0 } }

    // MARK: What the UI does (each queues an input; the loop takes them in order)

    /// Sends a message optimistically (in answer to `replyTo`, a message id, if given) and returns its
    /// `clientId`. Messages leave in the order of these calls.
    @discardableResult
    public func send(_ text: String, to groupID: String, replyTo: String? = nil) -> String {
        let now = self.clock()
        let clientID = UUIDv7.make(at: now)
        self.submit(.send(groupId: groupID, text: text, clientId: clientID, at: now, replyTo: replyTo))
        return clientID
    }

    /// Takes in a message the server changed at the user's request (an edit, a reaction), at once; its live
    /// `message:updated`, and the change feed, then change nothing more.
    public func changed(_ message: Message) {
        self.submit(.server(.messageUpdated(message), at: self.clock()))
    }

    public func focus(_ groupID: String?) { self.submit(.focus(groupId: groupID)) }
    public func loadOlder(_ groupID: String) { self.submit(.loadOlder(groupId: groupID)) }
    public func userTyped(in groupID: String) { self.submit(.userTyped(groupId: groupID, at: self.clock())) }
    public func discard(_ clientID: String) { self.submit(.discard(clientId: clientID)) }
    public func joined(_ group: Group) { self.submit(.joined(group)) }

    /// Loads a group's member list into its timeline.
    public func loadMembers(_ groupID: String) async throws(APIError) -> [Member] {
        let detail = try await self.api.group(id: groupID)
        self.submit(.membersLoaded(groupId: groupID, members: detail.members))
        return detail.members
    }

    /// Loads a message that a reply quotes (by its `seq`: the page after the one before it) into the group's
    /// ``GroupTimeline/quoted``. A message erased meanwhile (retention) is simply not found.
    public func loadQuote(_ ref: MessageRef, in groupID: String) async throws(APIError) {
        let page = try await self.api.messages(groupID: groupID, after: ref.seq - 1, limit: 1)
        guard let message = page.messages.first, message.id == ref.id else { return }
        self.submit(.quoteLoaded(message))
    }

    /// Loads the presence of a group's members into ``SyncState/presence``.
    public func loadPresence(_ groupID: String) async throws(APIError) -> [MemberPresence] {
        let members = try await self.api.allMembers(groupID: groupID)
        self.submit(.presenceLoaded(members))
        return members
    }

    /// Ends ``run()``: the connection closes with a close handshake, a delivery in flight finishes, and what
    /// waits in the outbox stays there.
    public func stop() {
        self.realtime.stop()
        self.inputs.continuation.finish()
    }

    private func submit(_ event: SyncEvent) { self.inputs.continuation.yield(.event(event)) }

    // MARK: The loop

    /// Loads the groups, opens the real-time connection, and takes inputs until ``stop()``.
    public func run() async {
        let deliveries = AsyncStream.makeStream(of: OutgoingMessage.self)
        // The connection opens once the first group list is in (or could not be had, but for a refused token).
        let listed = AsyncStream.makeStream(of: Bool.self)
        await withDiscardingTaskGroup { lasting in
            lasting.addTask {
                for await refused in listed.stream {
                    if !refused { await self.realtime.run { self.inputs.continuation.yield(.realtime($0)) } }
                    return
                }
            }
            lasting.addTask { await self.deliver(deliveries.stream) }
            await withDiscardingTaskGroup { children in
                children.addTask {
                    listed.continuation.yield(await self.listGroups())
                    listed.continuation.finish()
                }
                var machine = self.initial
                var timers = Timers()
                // What was restored shows before the network answers.
                if !machine.state.groups.isEmpty || !machine.state.outbox.isEmpty { self.statesContinuation.yield(machine.state) }
                for await input in self.inputs.stream {
                    let event: SyncEvent?
                    switch input {
                    case .event(let submitted): event = submitted
                    case .realtime(let realtimeEvent): event = self.translate(realtimeEvent, state: machine.state)
                    case .woke(let at): event = timers.fired(at) ? .tick(self.clock()) : nil
                    }
                    guard let event else { continue }
                    let actions = machine.handle(event)
                    self.current.withLock { $0 = machine.state }
                    self.statesContinuation.yield(machine.state)
                    for action in actions {
                        self.perform(action, children: &children, deliveries: deliveries.continuation, timers: &timers)
                    }
                }
                // Stopped: page fetches and timers end now (and a first group list still on its way).
                listed.continuation.finish()
                children.cancelAll()
            }
            deliveries.continuation.finish()
        }
        self.statesContinuation.finish()
    }

    /// Loads the first group list; whether the token was refused.
    private func listGroups() async -> Bool {
        self.submit(.connection(.connecting))
        do {
            self.submit(.groupsLoaded(try await self.api.groups()))
            return false
        } catch {
            self.submit(.connection(error.isUnauthorized ? .signedOut : .offline))
            return error.isUnauthorized
        }
    }

    /// The outbox's one consumer: a delivery at a time, in the order the machine hands them out.
    private func deliver(_ messages: AsyncStream<OutgoingMessage>) async {
        for await message in messages {
            do throws(APIError) {
                let stored = try await self.api.sendMessage(
                    groupID: message.groupId,
                    text: message.text,
                    clientID: message.clientId,
                    replyTo: message.replyTo
                )
                self.submit(.delivered(clientId: message.clientId, message: stored))
            } catch {
                self.submit(.deliveryFailed(clientId: message.clientId, reason: error.description, retryable: error.isRetryable))
            }
        }
    }

    private func translate(_ event: RealtimeClient.Event, state: SyncState) -> SyncEvent? {
        switch event {
        case .status(.connecting): state.connection == .connected ? nil : .connection(.connecting)
        case .status(.connected): .connection(.connected)
        case .status(.waiting(let retryIn, _)): .connection(.reconnecting(retryIn: retryIn))
        case .status(.unauthorized): .signedOut
        case .status(.stopped): state.connection == .signedOut ? nil : .connection(.offline)
        case .ready(let ready): .ready(ready)
        case .server(let event): .server(event, at: self.clock())
        }
    }

    private func perform(
        _ action: SyncAction,
        children: inout DiscardingTaskGroup,
        deliveries: AsyncStream<OutgoingMessage>.Continuation,
        timers: inout Timers
    ) {
        let api = self.api
        switch action {
        case .loadGroups:
            children.addTask {
                if let groups = try? await api.groups() { self.submit(.groupsLoaded(groups)) }
            }
        case .loadNewest(let groupID):
            let limit = self.pageSize
            children.addTask {
                do throws(APIError) {
                    self.submit(.newestLoaded(groupId: groupID, page: try await api.messages(groupID: groupID, limit: limit)))
                } catch {
                    self.submit(.loadFailed(groupId: groupID, reason: error.description))
                }
            }
        case .loadOlder(let groupID, let cursor):
            let limit = self.pageSize
            children.addTask {
                do throws(APIError) {
                    self.submit(.olderLoaded(groupId: groupID, page: try await api.messages(groupID: groupID, limit: limit, cursor: cursor)))
                } catch {
                    self.submit(.loadFailed(groupId: groupID, reason: error.description))
                }
            }
        case .loadBefore(let groupID, let seq):
            // `seq` is gapless: the page before `seq` is the one after `seq - 1 - limit`.
            let limit = Int(min(Int64(self.pageSize), seq - 1))
            children.addTask {
                do throws(APIError) {
                    let page = try await api.messages(groupID: groupID, after: seq - 1 - Int64(limit), limit: limit)
                    self.submit(.olderLoadedBefore(groupId: groupID, seq: seq, messages: page.messages))
                } catch {
                    self.submit(.loadFailed(groupId: groupID, reason: error.description))
                }
            }
        case .fetchChanges(let groupID, let since):
            children.addTask {
                do throws(APIError) {
                    self.submit(.changesLoaded(groupId: groupID, page: try await api.changes(groupID: groupID, since: since)))
                } catch {
                    self.submit(.changesFailed(groupId: groupID, reason: error.description))
                }
            }
        case .markRead(let groupID, let seq):
            // The socket carries it when open; otherwise REST. A marker that does not arrive is sent again after
            // the next `ready`, which shows the server's.
            if (try? self.realtime.send(.read(groupId: groupID, seq: seq))) == nil {
                children.addTask { try? await api.markRead(groupID: groupID, seq: seq) }
            }
        case .deliver(let message):
            deliveries.yield(message)
        case .sendTyping(let groupID):
            try? self.realtime.send(.typing(groupId: groupID))
        case .wakeUp(let at):
            guard timers.schedule(at) else { return }
            let delay = max(0, at.timeIntervalSince(self.clock()))
            children.addTask {
                try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
                guard !Task.isCancelled else { return }
                self.inputs.continuation.yield(.woke(at))
            }
        }
    }
}

/// The machine's wake-ups: only the earliest asked for counts; a later one it replaced is ignored when it fires.
struct Timers {
    private var next: Date?

    /// Whether a timer must be started for `at` (it is earlier than the one pending, or none is).
    mutating func schedule(_ at: Date) -> Bool {
        if let next, next <= at { return false }
        self.next = at
        return true
    }

    /// Whether the timer for `at` is the one pending; it is then done.
    mutating func fired(_ at: Date) -> Bool {
        guard self.next == at else { return false }
        self.next = nil
        return true
    }
}
