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
        case members(groupName: String, members: [Member])
        /// Waiting for an answer, such as a new invite.
        case busy(String)
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
    public var input = LineEditor()
    public var history = InputHistory()
    /// How many lines each group is scrolled up from its newest message.
    public var scrollBack: [String: Int] = [:]
    public var overlay: Overlay?
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
}

/// What the invite panel shows.
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
    case members(groupName: String, members: [Member])
    case joined(Group, verb: String)
    case failed(String)
}

/// Work for the runtime to do, decided by ``AppModel/update(_:)``.
public enum AppEffect: Sendable, Hashable {
    case send(text: String, groupId: String)
    case focus(groupId: String?)
    case loadOlder(groupId: String)
    case typing(groupId: String)
    case createGroup(name: String)
    case createInvite(groupId: String, groupName: String, hours: Double?, uses: Int?)
    case join(String)
    case loadMembers(groupId: String, groupName: String)
    case signInAsGuest(name: String?)
    case logIn(email: String, password: String)
    case register(email: String, name: String, password: String)
    /// Start syncing as this session (after signing in).
    case startSession(Session)
    case quit
}
