import ArgumentParser

/// `chat-tui`: the terminal client. With no subcommand it starts the interactive UI.
public struct ChatTUICommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "chat-tui",
        abstract: "A terminal client for chat-server.",
        discussion: """
            With no command it opens the chat in full screen. State lives in CHAT_HOME
            (default: $XDG_CONFIG_HOME/chat-tui, else ~/.config/chat-tui).

            Every command that prints data takes --json: one JSON document on stdout.

            Exit status: 0 success, 1 refused by the server (4xx), 64 bad usage,
            75 temporary failure (server unreachable, rate-limited or failing:
            worth retrying), 77 not logged in or session expired.
            """,
        subcommands: [
            LoginCommand.self, RegisterCommand.self, LogoutCommand.self, WhoAmICommand.self, GroupsCommand.self,
            CreateCommand.self, InviteCommand.self, InvitesCommand.self, JoinCommand.self, MembersCommand.self,
            SendCommand.self, HistoryCommand.self, WatchCommand.self, QRCommand.self, UICommand.self, LeaveCommand.self,
            KickCommand.self, BanCommand.self, UnbanCommand.self, OpCommand.self, DeopCommand.self, TransferCommand.self,
            RenameCommand.self, RequestsCommand.self, SearchCommand.self,
        ],
        defaultSubcommand: UICommand.self
    )

    public init() {}
}
