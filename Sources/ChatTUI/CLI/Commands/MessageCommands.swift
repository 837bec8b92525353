import ArgumentParser
import ChatCore
import Foundation

/// `chat-tui send`.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a message.",
        discussion: "TEXT - reads the message from standard input. Example: uptime | chat-tui send ops -"
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Group id or exact name.") var group: String
    @Argument(help: "The message, or - for standard input.") var text: String
    @Flag(help: "Print the API's JSON (the stored Message).") var json = false

    func run() async throws {
        let (api, _) = try self.global.signedIn()
        var text = self.text
        if text == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            text = String(decoding: data, as: UTF8.self)
            while text.hasSuffix("\n") { text.removeLast() }
        }
        let group = try await GroupResolver.resolve(self.group, with: api)
        let clientID = UUIDv7.make()
        let message = try await attempt(api.baseURL) { () async throws(APIError) in
            try await api.sendMessage(groupID: group.id, text: text, clientID: clientID)
        }
        if self.json { return try printJSON(message) }
        print("Sent to \(TerminalText.line(group.name)) (#\(message.seq))")
    }
}

/// `chat-tui history`.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Print a group's latest messages, oldest first.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Group id or exact name.") var group: String
    @Option(help: "How many messages (1–10000, default 30).") var limit = 30
    @Flag(help: "Print the API's JSON ([Message], ascending seq).") var json = false

    func validate() throws {
        guard (1...10_000).contains(self.limit) else { throw ValidationError("--limit must be from 1 to 10000") }
    }

    func run() async throws {
        let (api, _) = try self.global.signedIn()
        let group = try await GroupResolver.resolve(self.group, with: api)
        var messages: [Message] = []
        var cursor: String?
        repeat {
            let page = try await attempt(api.baseURL) { () async throws(APIError) in
                try await api.messages(groupID: group.id, limit: min(100, self.limit - messages.count), cursor: cursor)
            }
            messages.insert(contentsOf: page.messages, at: 0)
            cursor = page.nextCursor
        } while cursor != nil && messages.count < self.limit
        if self.json { return try printJSON(messages) }
        for message in messages {
            // Server text is sanitised: an escape sequence or a `\r` in it must not rewrite the reader's terminal.
            let lines = TerminalText.sanitize(message.text).split(separator: "\n", omittingEmptySubsequences: false)
            let sender = TerminalText.line(message.sender.displayName)
            print("[\(LocalTime.format(message.createdAt))] \(sender): \(lines[0])")
            for line in lines.dropFirst() { print("    \(line)") }
        }
    }
}
