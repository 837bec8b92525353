import Foundation

/// Hands text to the user's editor (`$VISUAL`, `$EDITOR`, or `vi`) in a private temporary file and reads it
/// back when the editor exits, as bash's Ctrl-X Ctrl-E does. The caller gives the terminal up meanwhile.
enum ExternalEditor {
    struct Failure: Error {
        var message: String
    }

    static func edit(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> Result<String, Failure> {
        let editor = [environment["VISUAL"], environment["EDITOR"]].compactMap { $0 }.first { !$0.isEmpty } ?? "vi"
        var template = Array((NSTemporaryDirectory() + "/chat-tui-XXXXXX.txt").utf8CString)
        let descriptor = mkstemps(&template, 4)
        guard descriptor >= 0 else { return .failure(Failure(message: "Could not make a temporary file for the editor.")) }
        let path = String(cString: template)
        defer { unlink(path) }
        let data = Array(text.utf8)
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == data.count else { return .failure(Failure(message: "Could not write the text for the editor.")) }

        // Through the shell, so that EDITOR may hold arguments ("code --wait"); the file is its last one.
        var pid: pid_t = 0
        let arguments = ["/bin/sh", "-c", editor + " \"$1\"", "sh", path]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, &argv, environ) == 0 else {
            return .failure(Failure(message: "Could not start the editor (\(editor))."))
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        guard status == 0 else {
            return .failure(Failure(message: "The editor (\(editor)) exited with an error; the composer is unchanged."))
        }
        guard let edited = try? String(contentsOfFile: path, encoding: .utf8) else {
            return .failure(Failure(message: "Could not read the editor's text back."))
        }
        return .success(edited)
    }
}
