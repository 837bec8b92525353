import ChatCore
import Foundation
import Synchronization

/// Carries out the UI's effects against the network, and posts the results back to the UI loop.
///
/// The effects are queued and taken by one consumer, in order: a message typed before another is handed to the
/// sync engine first. ``run()`` owns everything it starts (the engine's loop and the forwarding of its states).
final class EffectRunner: Sendable {
    private let post: @Sendable (AppMessage) -> Void
    private let server: String
    private let store: SessionStore
    private let effects = AsyncStream.makeStream(of: AppEffect.self)
    private let engine = Mutex<SyncEngine?>(nil)
    private let api = Mutex<APIClient?>(nil)
    /// The offline cache of the signed-in session, when it could be opened.
    private let cache = Mutex<ClientCache?>(nil)

    init(server: String, store: SessionStore, post: @escaping @Sendable (AppMessage) -> Void) {
        self.server = server
        self.store = store
        self.post = post
    }

    /// Queues an effect, from any thread.
    func perform(_ effect: AppEffect) {
        self.effects.continuation.yield(effect)
    }

    /// Ends ``run()`` once the effects queued so far are done; the engine then stops.
    func finish() {
        self.effects.continuation.finish()
    }

    /// Takes the effects one at a time until ``finish()``.
    func run() async {
        await withDiscardingTaskGroup { group in
            for await effect in self.effects.stream {
                guard case .startSession(let session) = effect else {
                    await self.carryOut(effect)
                    continue
                }
                let (engine, cache) = self.start(session)
                group.addTask { await engine.run() }
                // The cache is written by a consumer of its own, so that a slow disk never delays the screen;
                // it saves the newest state it has not saved (the last one too, once the engine stops).
                let saves = AsyncStream.makeStream(of: SyncState.self, bufferingPolicy: .bufferingNewest(1))
                group.addTask {
                    var first = true
                    for await state in engine.states {
                        if first { StartupReport.mark("first_state_us") }
                        first = false
                        self.post(.sync(state))
                        saves.continuation.yield(state)
                    }
                    saves.continuation.finish()
                }
                group.addTask {
                    for await state in saves.stream { cache?.save(state) }
                }
            }
            self.engine.withLock { $0 }?.stop()
        }
    }

    private func carryOut(_ effect: AppEffect) async {
        let engine = self.engine.withLock { $0 }
        switch effect {
        case .startSession:
            break
        case .send(let text, let groupID):
            engine?.send(text, to: groupID)
        case .focus(let groupID):
            engine?.focus(groupID)
        case .loadOlder(let groupID):
            engine?.loadOlder(groupID)
        case .typing(let groupID):
            engine?.userTyped(in: groupID)
        case .createGroup(let name):
            await self.call("Could not create the group") { api throws(APIError) in
                let group = try await api.createGroup(name: name)
                engine?.joined(group)
                self.post(.joined(group, verb: "Created"))
            }
        case .join(let invite):
            await self.call("Could not join") { api throws(APIError) in
                let answer = try await api.acceptInvite(invite)
                if let group = answer.group {
                    engine?.joined(group)
                    self.post(.joined(group, verb: "Joined"))
                } else {
                    self.post(.failed("Asked to join: the group's owner or an admin must approve."))
                }
            }
        case .createInvite(let groupID, let name, let hours, let uses, let approval):
            await self.call("Could not create an invite") { api throws(APIError) in
                let invite = try await api.createInvite(groupID: groupID, expiresInHours: hours, uses: uses, requireApproval: approval ? true : nil)
                self.post(.inviteReady(InvitePanel(groupName: name, invite: invite)))
            }
        case .loadMembers(let groupID, let name):
            do throws(APIError) {
                guard let engine else { return }
                _ = try await engine.loadMembers(groupID)
                _ = try await engine.loadPresence(groupID)
                self.post(.members(groupId: groupID, groupName: name))
            } catch {
                self.post(.failed("Could not load the members: \(error.description)"))
            }
        case .moderate(let action, let group):
            guard let api = self.api.withLock({ $0 }) else { return }
            do {
                self.post(.done(try await action.perform(in: group, with: api).message))
            } catch {
                self.post(.failed("\(error)"))
            }
        case .search(let query):
            await self.call("Could not search") { api throws(APIError) in
                do throws(APIError) {
                    let page = try await api.search(query)
                    self.post(.searched(SearchPanel(query: query, hits: page.hits, more: page.nextCursor != nil)))
                } catch  where error.isRetryable {
                    // No server: the messages cached here are searched instead, and the panel says so.
                    guard let cache = self.cache.withLock({ $0 }) else { throw error }
                    let hits = cache.search(SearchQuery(parsing: query))
                    self.post(.searched(SearchPanel(query: query, hits: hits, more: false, offline: true)))
                }
            }
        case .loadRequests(let groupID, let name):
            await self.call("Could not load the join requests") { api throws(APIError) in
                let requests = try await api.joinRequests(groupID: groupID)
                self.post(.requests(RequestsPanel(groupId: groupID, groupName: name, requests: requests)))
            }
        case .decide(let groupID, let name, let requestID, let approve):
            await self.call("Could not \(approve ? "approve" : "deny") the request") { api throws(APIError) in
                let request =
                    try await approve ? api.approve(groupID: groupID, requestID: requestID) : api.deny(groupID: groupID, requestID: requestID)
                let left = try await api.joinRequests(groupID: groupID)
                self.post(.done("\(approve ? "Approved" : "Denied") \(request.user.displayName)'s request to join \(name)."))
                if !left.isEmpty { self.post(.requests(RequestsPanel(groupId: groupID, groupName: name, requests: left))) }
            }
        case .signInAsGuest(let name):
            await self.signIn { () async throws(APIError) in try await APIClient(baseURL: self.server).guest(displayName: name) }
        case .logIn(let email, let password):
            await self.signIn { () async throws(APIError) in try await APIClient(baseURL: self.server).login(email: email, password: password) }
        case .register(let email, let name, let password):
            await self.signIn { () async throws(APIError) in
                try await APIClient(baseURL: self.server).register(email: email, password: password, displayName: name)
            }
        case .reply(let text, let groupID, let replyTo):
            engine?.send(text, to: groupID, replyTo: replyTo)
        case .editMessage(let groupID, let messageID, let text):
            await self.call("Could not edit the message") { api throws(APIError) in
                engine?.changed(try await api.editMessage(groupID: groupID, messageID: messageID, text: text))
            }
        case .deleteMessage(let groupID, let messageID):
            await self.call("Could not delete the message") { api throws(APIError) in
                try await api.deleteMessage(groupID: groupID, messageID: messageID)
            }
        case .react(let groupID, let messageID, let emoji, let present):
            await self.call("Could not react") { api throws(APIError) in
                engine?.changed(try await api.react(groupID: groupID, messageID: messageID, emoji: emoji, present: present))
            }
        case .fetchMembers(let groupID):
            _ = try? await engine?.loadMembers(groupID)
        case .fetchQuote(let groupID, let ref):
            // Quietly: the quote line names the message by its number until (or unless) it arrives.
            try? await engine?.loadQuote(ref, in: groupID)
        case .save(let state):
            do throws(CLIError) {
                try self.store.saveUIState(state)
            } catch {
                self.post(.failed(error.description))
            }
        case .quit, .bell, .repaint, .openEditor:
            break  // the UI thread's own
        }
    }

    /// Calls the server with the signed-in client (nothing before signing in); a failure becomes a status line
    /// that starts with `failure`.
    private func call(_ failure: String, _ body: (APIClient) async throws(APIError) -> Void) async {
        guard let api = self.api.withLock({ $0 }) else { return }
        do throws(APIError) {
            try await body(api)
        } catch {
            self.post(.failed("\(failure): \(error.description)"))
        }
    }

    private func signIn(_ call: () async throws(APIError) -> AuthResponse) async {
        do {
            let auth = try await call()
            let session = Session(server: self.server, token: auth.token, user: auth.user)
            try self.store.save(session)
            self.post(.signedIn(session))
        } catch let error as APIError {
            self.post(.loginFailed(error.description))
        } catch {
            self.post(.loginFailed(String(describing: error)))
        }
    }

    /// A new engine for `session`, in place of the one before (stopped), started from the session's cache.
    private func start(_ session: Session) -> (SyncEngine, ClientCache?) {
        let api = APIClient(baseURL: session.server, token: session.token)
        var cache: ClientCache?
        do {
            cache = try ClientCache.open(in: self.store.directory, for: session)
        } catch {
            self.post(.failed("The offline cache is off: \(error)"))
        }
        StartupReport.mark("cache_opened_us")
        let snapshot = cache?.load()
        StartupReport.mark("cache_loaded_us")
        let engine = SyncEngine(api: api, me: session.user, restoring: snapshot)
        self.api.withLock { $0 = api }
        self.engine.withLock { $0 }?.stop()
        self.engine.withLock { $0 = engine }
        self.cache.withLock { $0 = cache }
        return (engine, cache)
    }

    /// Waits up to `timeout` for the outbox to empty, so that quitting right after sending loses nothing.
    func drainOutbox(timeout: Duration) async -> Int {
        guard let engine = self.engine.withLock({ $0 }) else { return 0 }
        let unsent = { engine.state.outbox.filter { if case .failed = $0.status { false } else { true } }.count }
        let deadline = ContinuousClock.now + timeout
        while unsent() > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return unsent()
    }
}
