import ChatCore
import Foundation

/// Everything the interactive UI shows, as a plain value. ``AppModel/update(_:)`` changes it; views only
/// read it.
public struct AppModel: Sendable {
    /// Which screen is up.
    public enum Screen: Sendable, Hashable {
        case login(LoginForm)
        case chat
    }

    /// A panel drawn over the chat.
    public enum Overlay: Sendable, Hashable {
        case help
        case invite(InvitePanel)
        /// The members of a group, with role and presence, drawn from the sync state (so it updates live).
        case members(groupId: String, groupName: String)
        /// Join requests waiting in a group; Up/Down select, a approves, d denies.
        case requests(RequestsPanel)
        /// `/search` results: Up/Down select, Enter jumps to the message.
        case search(SearchPanel)
        /// Waiting for an answer, such as a new invite.
        case busy(String)
        /// `/delete` asks first: y deletes, anything else keeps the message.
        case confirmDelete(groupId: String, messageId: String, preview: String)
    }

    /// A one-line message above the input.
    public struct Status: Sendable, Hashable {
        public var text: String
        public var isError: Bool
    }

    public var screen: Screen
    /// The server, for the status bar.
    public var server: String
    public var sync: SyncState
    /// The group on screen.
    public var selected: String?
    /// The composer.
    public var input = LineEditor()
    /// Lines sent earlier, per group (`""` before any group), walked with Up and Down.
    public var histories: [String: InputHistory] = [:]
    /// Stable group numbers.
    public var numbers = GroupNumbers()
    /// Where each scrolled-back group's view rests; none: it follows the newest message.
    public var scroll: [String: ScrollAnchor] = [:]
    /// The Tab completion being cycled, if the last key was Tab.
    public var completion: Completion?
    /// Ctrl-X was pressed: the next key completes a chord (Ctrl-X Ctrl-E).
    public var pendingPrefix = false
    /// The message the commands act on (`/edit`, `/delete`, `/reply`, `/react`), chosen with Alt-Up/Alt-Down.
    public var selection: String?
    /// The message the composer is editing: Enter saves the edit instead of sending.
    public var editing: String?
    /// The message the composer answers: Enter sends a reply.
    public var replyingTo: String?
    public var settings = UISettings()
    /// The newest `seq` of each group already looked at for mentions (for the bell).
    public var mentionChecked: [String: Int64] = [:]
    /// Groups that received a mention of the user since they were last shown.
    public var mentioned: Set<String> = []
    /// Where the `── new ──` line goes in the group on screen: after the `seq` read when it was opened.
    public var newAfter: (groupId: String, seq: Int64)?
    /// A search hit being jumped to: its group and `seq`, until that message is loaded and selected.
    public var jump: (groupId: String, seq: Int64)?
    /// Quoted messages already asked for (by id), so that each is fetched once.
    public var quotesAsked: Set<String> = []
    /// The group last reported to the engine as looked at (its newest message on screen), to mark it read.
    public var groupInViewSent: String?
    /// The time, from the UI loop's ticks.
    public var now: Date?
    /// When the next reconnection attempt starts, while waiting for it.
    public var reconnectAt: Date?
    public var overlay: Overlay? {
        didSet { if oldValue != self.overlay { self.overlayScroll = 0 } }
    }
    /// How far a long panel (help) is scrolled.
    public var overlayScroll = 0
    public var status: Status?
    public var width: Int
    public var height: Int
    /// Set when the user asked to leave.
    public var quitting = false

    public init(screen: Screen, server: String, me: User?, width: Int, height: Int) {
        self.screen = screen
        self.server = server
        self.sync = SyncState(me: me)
        self.width = width
        self.height = height
    }

    /// The selected group's timeline.
    public var selectedTimeline: GroupTimeline? { self.selected.flatMap { self.sync.groups[$0] } }

    /// What is kept across restarts: group numbers and input histories.
    public var savedState: UIState { UIState(numbers: self.numbers.order, histories: self.histories.mapValues(\.entries)) }

    /// Takes in what an earlier run saved.
    public mutating func restore(_ saved: UIState) {
        self.numbers = GroupNumbers(order: saved.numbers)
        self.histories = saved.histories.mapValues { InputHistory(entries: $0) }
    }
}

/// The UI's state kept in `CHAT_HOME` across restarts.
public struct UIState: Sendable, Hashable, Codable {
    /// Group ids in number order.
    public var numbers: [String]
    /// Input history per group id.
    public var histories: [String: [String]]

    public init(numbers: [String] = [], histories: [String: [String]] = [:]) {
        self.numbers = numbers
        self.histories = histories
    }
}

/// Preferences from `CHAT_HOME/config.toml` and `/set`.
public struct UISettings: Sendable, Hashable {
    /// Ring the terminal bell on a mention in a group not on screen.
    public var bell = true
    /// How message times are shown (a `strftime` pattern).
    public var timestampFormat = "%H:%M"
    /// Colours; off under `NO_COLOR`.
    public var colors = true
    /// The colour of highlighted messages (mentions).
    public var highlight: TerminalColor = .yellow
    /// Mouse wheel scrolling (the terminal then reports the wheel; Shift-drag still selects text).
    public var mouse = true

    public init() {}
}

/// What the invite panel shows.
/// The `/requests` panel: a group's pending join requests, one of them selected.
public struct RequestsPanel: Sendable, Hashable {
    public var groupId: String
    public var groupName: String
    public var requests: [JoinRequest]
    public var selected = 0

    public init(groupId: String, groupName: String, requests: [JoinRequest]) {
        self.groupId = groupId
        self.groupName = groupName
        self.requests = requests
    }
}

public struct InvitePanel: Sendable, Hashable {
    public var groupName: String
    public var invite: Invite
    public var code: QRCode?

    public init(groupName: String, invite: Invite) {
        self.groupName = groupName
        self.invite = invite
        self.code = try? QRCode(encoding: invite.url, ecc: .medium)
    }
}

/// The sign-in screen: a menu, then the fields of the chosen way.
public struct LoginForm: Sendable, Hashable {
    public enum Mode: Sendable, Hashable {
        case menu
        case guest
        case login
        case register
    }

    public struct Field: Sendable, Hashable {
        public var label: String
        public var editor = LineEditor()
        public var secret = false
    }

    public var mode: Mode = .menu
    public var fields: [Field] = []
    public var focus = 0
    public var error: String?
    public var busy = false

    public init() {}

    /// The form for `mode`, with its fields.
    public static func form(_ mode: Mode) -> LoginForm {
        var form = LoginForm()
        form.mode = mode
        switch mode {
        case .menu: form.fields = []
        case .guest: form.fields = [Field(label: "Display name (optional)")]
        case .login: form.fields = [Field(label: "Email"), Field(label: "Password", secret: true)]
        case .register: form.fields = [Field(label: "Email"), Field(label: "Display name"), Field(label: "Password", secret: true)]
        }
        return form
    }

    func value(_ index: Int) -> String { self.fields.indices.contains(index) ? self.fields[index].editor.text : "" }
}

/// Input to ``AppModel/update(_:)``.
public enum AppMessage: Sendable {
    case key(Key)
    case resize(width: Int, height: Int)
    case sync(SyncState)
    case signedIn(Session)
    case loginFailed(String)
    case inviteReady(InvitePanel)
    /// The group's members (and their presence) are loaded: show them.
    case members(groupId: String, groupName: String)
    case requests(RequestsPanel)
    case searched(SearchPanel)
    case joined(Group, verb: String)
    case failed(String)
    /// Something asked for is done: say so.
    case done(String)
    /// The time, about once a second and before each batch of input.
    case tick(Date)
    /// The text came back from `$EDITOR`.
    case edited(String)
}

/// Work for the runtime to do, decided by ``AppModel/update(_:)``.
public enum AppEffect: Sendable, Hashable {
    case send(text: String, groupId: String)
    /// Send `text` in answer to the message `replyTo`.
    case reply(text: String, groupId: String, replyTo: String)
    case editMessage(groupId: String, messageId: String, text: String)
    case deleteMessage(groupId: String, messageId: String)
    /// Add (`present`) or take back the user's reaction.
    case react(groupId: String, messageId: String, emoji: String, present: Bool)
    case focus(groupId: String?)
    case loadOlder(groupId: String)
    case typing(groupId: String)
    case createGroup(name: String)
    case createInvite(groupId: String, groupName: String, hours: Double?, uses: Int?, approval: Bool)
    case join(String)
    case loadMembers(groupId: String, groupName: String)
    /// `/kick`, `/ban`, `/leave`…: carried out in `group`.
    case moderate(Moderation, group: Group)
    case loadRequests(groupId: String, groupName: String)
    /// Search the user's groups on the server; the hits come back as ``AppMessage/searched(_:)``.
    case search(query: String)
    /// Approve or deny a join request, then show the requests left.
    case decide(groupId: String, groupName: String, requestId: String, approve: Bool)
    case signInAsGuest(name: String?)
    case logIn(email: String, password: String)
    case register(email: String, name: String, password: String)
    /// Start syncing as this session (after signing in).
    case startSession(Session)
    /// Load a group's member list quietly (for completion).
    case fetchMembers(groupId: String)
    /// Fetch a message that a reply on screen quotes, older than what is loaded.
    case fetchQuote(groupId: String, ref: MessageRef)
    /// Ring the terminal bell.
    case bell
    /// Redraw the whole screen (Ctrl-L).
    case repaint
    /// Hand the composer's text to `$EDITOR`; the result comes back as ``AppMessage/edited(_:)``.
    case openEditor(text: String)
    /// Keep group numbers and input histories in `CHAT_HOME`.
    case save(UIState)
    case quit
}
