import Foundation

/// How fast the chat screen appears, for `chat-bench first-screen`: with `CHAT_TUI_START_REPORT` set to a file,
/// chat-tui appends how long after `CHAT_TUI_START_T0` (microseconds of the realtime clock, read by whoever
/// launched it) it drew its first frame, and its first frame showing messages. Unset, it does nothing.
package struct StartupReport {
    private let path: String?
    private let startMicroseconds: Int64
    private var frameReported = false
    private var messagesReported = false

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.startMicroseconds = environment["CHAT_TUI_START_T0"].flatMap { Int64($0) } ?? Self.nowMicroseconds()
        self.path = environment["CHAT_TUI_START_REPORT"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The realtime clock in microseconds: the one clock a launcher in another process can share.
    package static func nowMicroseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1000
    }

    /// Appends a step of the start (`name elapsed`), from any thread: where the time goes.
    static func mark(_ name: String) {
        let report = StartupReport()
        guard let path = report.path else { return }
        report.append("\(name) \(Self.nowMicroseconds() - report.startMicroseconds)\n", to: path)
    }

    /// Called after each frame reached the terminal.
    mutating func drawn(_ model: AppModel) {
        guard let path = self.path, !self.messagesReported else { return }
        let elapsed = Self.nowMicroseconds() - self.startMicroseconds
        var lines = ""
        if !self.frameReported {
            self.frameReported = true
            lines += "first_frame_us \(elapsed)\n"
        }
        if case .chat = model.screen, let selected = model.selected, model.sync.groups[selected]?.messages.isEmpty == false {
            self.messagesReported = true
            lines += "first_screen_us \(elapsed)\n"
        }
        if !lines.isEmpty { self.append(lines, to: path) }
    }

    private func append(_ lines: String, to path: String) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        _ = lines.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        close(descriptor)
    }
}
