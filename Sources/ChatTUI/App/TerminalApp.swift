import ChatCore
import Foundation
import Synchronization

/// The interactive UI's loop. One thread owns the terminal: it waits on the keyboard and on a wake-up pipe,
/// feeds keys and posted messages to ``AppModel/update(_:)``, starts the effects, and redraws only when the
/// frame changed. Work from other threads (network, sync) arrives through ``post(_:)``.
final class TerminalApp: Sendable {
    private let inbox = Mutex<[AppMessage]>([])
    private let wakeRead: Int32
    private let wakeWrite: Int32

    init() {
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        self.wakeRead = fds[0]
        self.wakeWrite = fds[1]
        _ = fcntl(self.wakeRead, F_SETFL, O_NONBLOCK)
        _ = fcntl(self.wakeWrite, F_SETFL, O_NONBLOCK)
        Signals.wakeDescriptor.store(self.wakeWrite, ordering: .relaxed)
    }

    /// Queues a message for the UI thread, from any thread.
    func post(_ message: AppMessage) {
        self.inbox.withLock { $0.append(message) }
        self.wake()
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(self.wakeWrite, &byte, 1)
    }

    /// Runs until the model quits. `perform` starts an effect (on another thread); the effects that act on the
    /// terminal (the bell, a repaint, `$EDITOR`) are carried out here, on the thread that owns it.
    func run(model initial: AppModel, perform: @escaping @Sendable (AppEffect) -> Void) {
        let screen = NcursesScreen(colors: initial.settings.colors && !Terminal.noColor(), wheel: initial.settings.mouse)
        defer { screen.end() }
        Signals.install()
        var decoder = KeyDecoder(extended: screen.extendedKeys)
        var model = initial
        let size = screen.size
        var effects = model.update(.tick(Date())) + model.update(.resize(width: size.width, height: size.height))
        var shown: Frame?
        var report = StartupReport()
        while true {
            for effect in effects {
                switch effect {
                case .bell:
                    screen.bell()
                case .repaint:
                    screen.repaint()
                    shown = nil
                case .openEditor(let text):
                    screen.suspend()
                    let result = ExternalEditor.edit(text)
                    screen.resume()
                    shown = nil
                    switch result {
                    case .success(let edited): self.post(.edited(edited))
                    case .failure(let error): self.post(.failed(error.message))
                    }
                default:
                    perform(effect)
                }
            }
            effects = []
            let frame = AppView.render(model)
            if frame != shown {
                screen.draw(frame)
                shown = frame
                report.drawn(model)
            }
            if model.quitting { return }
            // A countdown on screen wakes the loop every second.
            self.waitForInput(timeout: model.wantsTicks ? 1000 : -1)
            effects += model.update(.tick(Date()))
            if Signals.takeResize() {
                screen.resize()
                let size = screen.size
                effects += model.update(.resize(width: size.width, height: size.height))
                shown = nil
            }
            if Signals.takeTerminate() { effects += model.update(.key(.control("c"))) }
            for key in decoder.decode(screen.readInput().filter { $0 != .function(KeyDecoder.Code.resize) }) {
                effects += model.update(.key(key))
            }
            for message in self.inbox.withLock({ messages in
                defer { messages = [] }
                return messages
            }) {
                effects += model.update(message)
            }
        }
    }

    /// Blocks until a key, a posted message or a signal arrives, or `timeout` milliseconds pass (-1: no limit).
    private func waitForInput(timeout: Int32) {
        var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0), pollfd(fd: self.wakeRead, events: Int16(POLLIN), revents: 0)]
        _ = poll(&fds, 2, timeout)
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(self.wakeRead, &buffer, buffer.count) > 0 {}
    }
}

/// Signal handling for the UI: SIGWINCH (resize) and SIGTERM/SIGHUP (leave cleanly) set a flag and wake the
/// loop through its pipe, which is all a signal handler may safely do.
enum Signals {
    static let wakeDescriptor = Atomic<Int32>(-1)
    private static let resized = Atomic<Bool>(false)
    private static let terminated = Atomic<Bool>(false)

    static func install() {
        signal(SIGWINCH) { _ in
            Signals.resized.store(true, ordering: .relaxed)
            Signals.poke()
        }
        for number in [SIGTERM, SIGHUP] {
            signal(number) { _ in
                Signals.terminated.store(true, ordering: .relaxed)
                Signals.poke()
            }
        }
    }

    private static func poke() {
        var byte: UInt8 = 1
        _ = write(self.wakeDescriptor.load(ordering: .relaxed), &byte, 1)
    }

    static func takeResize() -> Bool { self.resized.exchange(false, ordering: .relaxed) }
    static func takeTerminate() -> Bool { self.terminated.exchange(false, ordering: .relaxed) }
}
