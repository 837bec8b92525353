import ArgumentParser

/// `chat-tui`: the terminal client. With no subcommand it starts the interactive UI.
public struct ChatTUICommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "chat-tui",
        abstract: "A terminal client for chat-server.",
        subcommands: [QRCommand.self]
    )

    public init() {}
}
