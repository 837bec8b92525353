import Foundation
import TOMLKit

/// `CHAT_HOME/config.toml`: the UI's preferences. Every key is optional; a missing file means the defaults.
///
/// ```toml
/// bell = true                  # ring on a mention in a group not on screen
/// timestamp_format = "%H:%M"   # strftime
/// mouse = true                 # wheel scrolling (Shift-drag still selects)
///
/// [colors]
/// enabled = true               # NO_COLOR in the environment turns them off too
/// highlight = "yellow"         # mentions: black red green yellow blue magenta cyan white
/// ```
enum UserConfig {
    private struct File: Decodable {
        var bell: Bool?
        var timestamp_format: String?
        var mouse: Bool?
        var colors: Colors?
    }

    private struct Colors: Decodable {
        var enabled: Bool?
        var highlight: String?
    }

    /// The settings in `url`, over the defaults. A file that cannot be read or holds an error is one clear line.
    static func load(from url: URL, environment: [String: String] = ProcessInfo.processInfo.environment) throws(CLIError) -> UISettings {
        var settings = UISettings()
        settings.colors = !Terminal.noColor(environment)
        guard FileManager.default.fileExists(atPath: url.path) else { return settings }
        let file: File
        do {
            let text = try String(contentsOf: url, encoding: .utf8)
            file = try TOMLDecoder(strictDecoding: true).decode(File.self, from: text)
        } catch let error as TOMLParseError {
            throw CLIError("\(url.path), line \(error.source.begin.line): \(error.description)")
        } catch let error as UnexpectedKeysError {
            let keys = error.keys.values.map { $0.map(\.stringValue).joined(separator: ".") }.sorted()
            throw CLIError("\(url.path): unknown setting \(keys.joined(separator: ", ")); see chat-tui --help")
        } catch let error as DecodingError {
            throw CLIError("\(url.path): \(Self.path(of: error)) has the wrong type (bell and mouse: true or false; the others: text in quotes)")
        } catch {
            throw CLIError("cannot read \(url.path): \(error.localizedDescription)")
        }
        if let bell = file.bell { settings.bell = bell }
        if let mouse = file.mouse { settings.mouse = mouse }
        if let format = file.timestamp_format {
            guard !format.isEmpty, format.count <= 32 else { throw CLIError("\(url.path): timestamp_format must hold 1 to 32 characters") }
            settings.timestampFormat = format
        }
        if let enabled = file.colors?.enabled { settings.colors = settings.colors && enabled }
        if let highlight = file.colors?.highlight {
            guard let color = TerminalColor.named(highlight) else {
                throw CLIError("\(url.path): colors.highlight must be one of \(TerminalColor.names.joined(separator: ", ")) (got \"\(highlight)\")")
            }
            settings.highlight = color
        }
        return settings
    }

    /// The setting a decoding error is about, as `colors.highlight`.
    private static func path(of error: DecodingError) -> String {
        let context: DecodingError.Context? =
            switch error {
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context): context
            @unknown default: nil
            }
        let path = context?.codingPath.map(\.stringValue).joined(separator: ".") ?? ""
        return path.isEmpty ? "a setting" : path
    }
}

extension TerminalColor {
    /// The colour names config.toml takes.
    static let names = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    static func named(_ name: String) -> TerminalColor? {
        self.names.firstIndex(of: name.lowercased()).flatMap { TerminalColor(rawValue: $0) }
    }
}
