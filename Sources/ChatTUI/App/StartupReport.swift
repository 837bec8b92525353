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
        guard !lines.isEmpty, let handle = FileHandle(forWritingAtPath: path) ?? Self.created(path) else { return }
        handle.seekToEndOfFile()
        handle.write(Data(lines.utf8))
        try? handle.close()
    }

    private static func created(_ path: String) -> FileHandle? {
        FileManager.default.createFile(atPath: path, contents: nil)
        return FileHandle(forWritingAtPath: path)
    }
}
