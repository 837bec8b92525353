import ArgumentParser
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
            var command = try Command.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch let error as CLIError {
            Self.fail("\(name): \(error.message)", status: error.exitCode)
        } catch {
            let exitCode = Command.exitCode(for: error)
            if exitCode == .success {
                print(Command.fullMessage(for: error))
                exit(0)
            }
            let message =
                Command.message(for: error)
                .split(separator: "\n").first.map(String.init) ?? "\(error)"
            let cleaned = message.hasPrefix("Error: ") ? String(message.dropFirst("Error: ".count)) : message
            Self.fail("\(name): \(cleaned)", status: exitCode == .validationFailure ? 64 : exitCode.rawValue)
        }
    }

    private static func fail(_ line: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data((line + "\n").utf8))
        exit(status)
    }
}

/// Facts about the terminal.
enum Terminal {
    /// Whether `descriptor` is a terminal.
    static func isTTY(_ descriptor: Int32) -> Bool { isatty(descriptor) != 0 }
}
