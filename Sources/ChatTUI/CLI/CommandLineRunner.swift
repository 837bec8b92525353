import ArgumentParser
import ChatCore
import Foundation

/// A failure to report in one line, with a non-zero exit status.
public struct CLIError: Error, CustomStringConvertible {
    public let message: String
    public let exitCode: Int32

    public init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { self.message }
}

/// Runs a command line the way scripts want: `--help` on stdout with status 0, and every failure as one
/// line on stderr (`chat-tui: …`) with a non-zero status: 64 for bad usage, 1 otherwise.
public enum CommandLineRunner {
    public static func main<Command: ParsableCommand>(
        _: Command.Type,
        arguments: [String] = Array(CommandLine.arguments.dropFirst())
    ) async
        -> Never
    {
        let name = Command.configuration.commandName ?? "chat-tui"
        do {
            var command = try Command.parseAsRoot(Self.hoistingGlobalOptions(arguments))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            await Self.finish(0)
        } catch let error as CLIError {
            await Self.fail("\(name): \(error.message)", status: error.exitCode)
        } catch {
            let exitCode = Command.exitCode(for: error)
            if exitCode == .success {
                print(Command.fullMessage(for: error))
                await Self.finish(0)
            }
            let message =
                Command.message(for: error)
                .split(separator: "\n").first.map(String.init) ?? "\(error)"
            let cleaned = message.hasPrefix("Error: ") ? String(message.dropFirst("Error: ".count)) : message
            await Self.fail("\(name): \(cleaned)", status: exitCode == .validationFailure ? 64 : exitCode.rawValue)
        }
    }

    /// Options that every subcommand accepts may also come before the subcommand's name
    /// (`chat-tui --server URL groups`): they are moved after it (after both names of a nested one, as in
    /// `invites revoke`), where the subcommand parses them.
    static func hoistingGlobalOptions(
        _ arguments: [String],
        valued: Set<String> = ["--server"],
        nested: [String: Set<String>] = ["invites": ["list", "revoke"]]
    ) -> [String] {
        var hoisted: [String] = []
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("-"), arguments[index] != "--" {
            let argument = arguments[index]
            let name = String(argument.split(separator: "=", maxSplits: 1)[0])
            guard valued.contains(name) else { return arguments }
            if argument.contains("=") {
                hoisted.append(argument)
                index += 1
            } else {
                hoisted += arguments[index..<min(index + 2, arguments.count)]
                index += 2
            }
        }
        guard !hoisted.isEmpty, index < arguments.count else { return arguments }
        var names = 1
        if index + 1 < arguments.count, nested[arguments[index]]?.contains(arguments[index + 1]) == true { names = 2 }
        return Array(arguments[index..<(index + names)]) + hoisted + arguments[(index + names)...]
    }

    private static func fail(_ line: String, status: Int32) async -> Never {
        // The line may quote the server: nothing from the network reaches the terminal raw.
        let safe = TerminalText.sanitize(line).replacingOccurrences(of: "\n", with: " ")
        FileHandle.standardError.write(Data((safe + "\n").utf8))
        await Self.finish(status)
    }

    /// Exits once the HTTP client has shut down: its connections closed and its work done, so that nothing
    /// still runs on other threads when the process ends.
    private static func finish(_ status: Int32) async -> Never {
        try? await APIClient.sharedHTTPClient.shutdown()
        exit(status)
    }
}

/// Facts about the terminal.
enum Terminal {
    /// Whether `descriptor` is a terminal.
    static func isTTY(_ descriptor: Int32) -> Bool { isatty(descriptor) != 0 }

    /// Whether the user asked for no colour (https://no-color.org: `NO_COLOR` set and not empty).
    static func noColor(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        !(environment["NO_COLOR"] ?? "").isEmpty
    }
}
