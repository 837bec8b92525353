import ArgumentParser
import ChatCore
import Dispatch
import Foundation

/// `chat-tui watch`: new messages as they arrive, until interrupted.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print new messages as they arrive, until interrupted (Ctrl-C).",
        discussion: """
            Watches the groups named, or all of yours (groups joined meanwhile too). After a lost connection it \
            reconnects and prints what it missed first, in order: every message once. Examples:
              chat-tui watch                         all groups, "[time] group / sender: text"
              chat-tui watch ops --json | jq .text   one JSON object a line (the API's Message)
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Group ids or exact names (none: all of yours).") var groups: [String] = []
    @Flag(help: "One JSON object a line: the API's Message.") var json = false

    func run() async throws {
        let (api, _) = try self.global.signedIn()
        let mine = try await attempt(api.baseURL) { () async throws(APIError) in try await api.groups() }
        var watched: Set<String>?
        if !self.groups.isEmpty {
            watched = Set(try self.groups.map { idOrName throws(CLIError) in try GroupResolver.resolve(idOrName, among: mine).id })
        }
        var printer = WatchPrinter(api: api, json: self.json, names: Dictionary(mine.map { ($0.id, $0.name) }) { first, _ in first })
        var state = WatchState(groups: watched)
        let client = RealtimeClient(api: api)
        let interrupt = SignalHandler([SIGINT, SIGTERM]) { client.stop() }
        defer { interrupt.cancel() }
        let (events, continuation) = AsyncStream.makeStream(of: RealtimeClient.Event.self)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                await client.run { continuation.yield($0) }
                continuation.finish()
            }
            // Ends the connection however this loop ends (a refused token throws).
            defer { client.stop() }
            var watching = false
            for await event in events {
                switch event {
                case .ready(let ready):
                    for (group, after) in state.ready(ready.groups) {
                        try await printer.catchUp(group, after: after, state: &state)
                    }
                    if !watching {
                        watching = true
                        let count = watched.map { "\($0.count) group\($0.count == 1 ? "" : "s")" } ?? "all groups"
                        Self.note("watching \(count) on \(api.baseURL) (Ctrl-C to stop)")
                    }
                case .server(.messageNew(let message)):
                    switch state.decide(message) {
                    case .print:
                        try await printer.print(message)
                        state.printed(message)
                    case .skip:
                        break
                    case .catchUp(let after):
                        try await printer.catchUp(message.groupId, after: after, state: &state)
                    }
                case .status(.unauthorized):
                    throw CLIError("your session has expired or is invalid (run chat-tui login)", exitCode: CLIError.Status.noPermission)
                case .status(.waiting(let retryIn, let reason)):
                    Self.note("connection lost (\(reason)); retrying in \(retryIn.components.seconds) s")
                default:
                    break
                }
            }
        }
    }

    /// One line on stderr, made safe (a reason may quote the server).
    static func note(_ text: String) {
        FileHandle.standardError.write(Data("chat-tui: \(TerminalText.line(text))\n".utf8))
    }
}

/// Prints messages for `watch`, each written at once (a pipe's reader sees it as it arrives).
struct WatchPrinter {
    let api: APIClient
    let json: Bool
    /// Group names by id; refreshed when a message of a group joined meanwhile arrives.
    var names: [String: String]

    mutating func print(_ message: Message) async throws {
        if self.json {
            return FileHandle.standardOutput.write(try ChatJSON.encoder.encode(message) + Data("\n".utf8))
        }
        if self.names[message.groupId] == nil, let groups = try? await self.api.groups() {
            for group in groups { self.names[group.id] = group.name }
        }
        let group = TerminalText.line(self.names[message.groupId] ?? message.groupId)
        let lines = TerminalText.sanitize(message.text).split(separator: "\n", omittingEmptySubsequences: false)
        var text = "[\(LocalTime.format(message.createdAt))] \(group) / \(TerminalText.line(message.sender.displayName)): \(lines[0])\n"
        for line in lines.dropFirst() { text += "    \(line)\n" }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Prints the group's messages after `after` not printed yet, in order.
    mutating func catchUp(_ group: String, after: Int64, state: inout WatchState) async throws {
        let missed = try await attempt(self.api.baseURL) { () async throws(APIError) in try await self.api.catchUp(groupID: group, after: after) }
        for message in missed where state.decide(message) != .skip {
            try await self.print(message)
            state.printed(message)
        }
    }
}

/// Calls `action` when one of `signals` arrives, instead of the default (ending the process).
final class SignalHandler {
    private let sources: [any DispatchSourceSignal]

    init(_ signals: [Int32], action: @escaping @Sendable () -> Void) {
        self.sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: action)
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in self.sources { source.cancel() }
    }
}
