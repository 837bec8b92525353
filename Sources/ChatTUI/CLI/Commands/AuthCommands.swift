import ArgumentParser
import ChatCore
import Foundation

/// `chat-tui login`.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Sign in, as a guest or with an email and password.",
        discussion: """
            Examples:
              chat-tui login --guest --name Ann
              chat-tui login --email ann@example.org            (asks for the password)
              printf '%s\\n' "$PASS" | chat-tui login --email ann@example.org --password-stdin
            """
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Sign in as a new guest.") var guest = false
    @Option(help: "Display name of the guest.") var name: String?
    @Option(help: "Email of the account.") var email: String?
    @Flag(help: "Read the password from standard input (first line).") var passwordStdin = false

    func validate() throws {
        guard self.guest != (self.email != nil) else { throw ValidationError("use either --guest or --email") }
        if self.guest, self.passwordStdin { throw ValidationError("--password-stdin goes with --email") }
        if self.name != nil, !self.guest { throw ValidationError("--name goes with --guest (accounts have theirs)") }
    }

    func run() async throws {
        let api = try self.global.anonymousClient()
        let auth: AuthResponse
        if self.guest {
            auth = try await attempt(api.baseURL) { () async throws(APIError) in try await api.guest(displayName: self.name) }
        } else {
            let email = self.email ?? ""
            let password = try PasswordInput.read(fromStdin: self.passwordStdin, prompt: "Password for \(email): ")
            auth = try await attempt(api.baseURL) { () async throws(APIError) in try await api.login(email: email, password: password) }
        }
        try self.global.store.save(Session(server: api.baseURL, token: auth.token, user: auth.user))
        print("Signed in as \(TerminalText.line(auth.user.displayName))\(auth.user.isGuest ? " (guest)" : "") on \(api.baseURL)")
    }
}

/// `chat-tui register`.
struct RegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Create an account and sign in.",
        discussion: "The password needs 8 characters or more (at most 72 bytes). Without --password-stdin it is asked for twice, without echo."
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: "Email of the new account.") var email: String
    @Option(help: "Display name.") var name: String
    @Flag(help: "Read the password from standard input (first line).") var passwordStdin = false

    func run() async throws {
        let api = try self.global.anonymousClient()
        let password = try PasswordInput.read(fromStdin: self.passwordStdin, prompt: "New password: ", confirm: "Repeat it: ")
        let auth = try await attempt(api.baseURL) { () async throws(APIError) in
            try await api.register(email: self.email, password: password, displayName: self.name)
        }
        try self.global.store.save(Session(server: api.baseURL, token: auth.token, user: auth.user))
        print("Registered and signed in as \(TerminalText.line(auth.user.displayName)) on \(api.baseURL)")
    }
}

/// `chat-tui logout`.
struct LogoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Forget the saved session, and delete the offline cache of messages."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let store = self.global.store
        let signedOut = store.delete()
        ClientCache.delete(in: store.directory)
        print(signedOut ? "Signed out" : "Not signed in")
    }
}

/// Reads a password from standard input, or from the terminal without echo.
enum PasswordInput {
    static func read(fromStdin: Bool, prompt: String, confirm: String? = nil) throws(CLIError) -> String {
        if fromStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw CLIError("no password on standard input") }
            return line
        }
        guard Terminal.isTTY(STDIN_FILENO) else {
            throw CLIError("a password is needed: pass --password-stdin, or run in a terminal", exitCode: CLIError.Status.usage)
        }
        let password = Self.prompt(prompt)
        if let confirm, Self.prompt(confirm) != password { throw CLIError("the passwords differ") }
        return password
    }

    /// Prompts on the terminal with echo turned off, and turns it back on.
    private static func prompt(_ text: String) -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var original = termios()
        tcgetattr(STDIN_FILENO, &original)
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true) ?? ""
    }
}
