import Foundation

/// The progress line on stderr: rewritten in place on a terminal, one line per phase otherwise.
final class Progress: @unchecked Sendable {
    // @unchecked: used from the scenario's task only.
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var shown = false

    /// A phase begins: always shown.
    func phase(_ text: String) {
        self.write(text, permanent: !self.isTerminal)
    }

    /// A figure while a phase runs: shown on a terminal only.
    func update(_ text: String) {
        if self.isTerminal { self.write(text, permanent: false) }
    }

    /// A message that stays.
    func note(_ text: String) {
        self.clear()
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }

    /// Removes the progress line before results are printed.
    func clear() {
        if self.isTerminal, self.shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        self.shown = false
    }

    private func write(_ text: String, permanent: Bool) {
        if permanent {
            FileHandle.standardError.write(Data("chat-bench: \(text)\n".utf8))
        } else {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
            self.shown = true
        }
    }
}
