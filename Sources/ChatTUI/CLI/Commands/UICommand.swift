import ArgumentParser
import ChatCore
import Foundation

/// `chat-tui` with no subcommand: the full-screen chat.
struct UICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui",
        abstract: "Open the chat in full screen (the default).",
        shouldDisplay: false
    )

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        guard Terminal.isTTY(STDIN_FILENO), Terminal.isTTY(STDOUT_FILENO) else {
            throw CLIError("the chat screen needs a terminal; scripts can use chat-tui send, history, groups…", exitCode: CLIError.Status.usage)
        }
        let store = self.global.store
        let saved = try store.load()
        let server = try self.global.serverURL(session: saved)
        let session = saved?.server == server ? saved : nil
        let settings = try UserConfig.load(from: store.directory.appendingPathComponent("config.toml"))
        StartupReport.mark("main_us")
        let app = TerminalApp()
        let runner = EffectRunner(server: server, store: store) { app.post($0) }
        var model = AppModel(screen: .login(LoginForm()), server: server, me: nil, width: 80, height: 24)
        model.settings = settings
        if session != nil { model.restore(store.loadUIState()) }
        for effect in session.map({ model.update(.signedIn($0)) }) ?? [] { runner.perform(effect) }
        let initial = model
        let unsent = await withDiscardingTaskGroup { group in
            group.addTask { await runner.run() }
            let thread = UIThread { app.run(model: initial) { runner.perform($0) } }
            await thread.finished()
            let unsent = await runner.drainOutbox(timeout: .seconds(3))
            runner.finish()
            return unsent
        }
        if unsent > 0 {
            FileHandle.standardError.write(Data("chat-tui: \(unsent) message(s) could not be sent before quitting\n".utf8))
        }
    }
}

/// Runs the terminal loop on a thread of its own, so that blocking on the keyboard never holds up the
/// async tasks that talk to the server.
final class UIThread: Sendable {
    private let done = AsyncStream<Void>.makeStream()

    init(_ body: @escaping @Sendable () -> Void) {
        let continuation = self.done.continuation
        let thread = Thread {
            body()
            continuation.yield()
            continuation.finish()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    func finished() async {
        for await _ in self.done.stream { return }
    }
}
