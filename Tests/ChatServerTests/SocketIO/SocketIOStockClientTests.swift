import ChatCore
import ChatTestSupport
import Foundation
import HummingbirdTesting
import Testing

@testable import ChatServer

/// The stock python-socketio client (PyPI), unchanged, against a real chat-server: the three transport set-ups,
/// the token in `auth` and in the header, a refused token, acks, and fan-out to and from a `/ws` client.
@Suite("Socket.IO with the stock python-socketio client")
struct SocketIOStockClientTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/stock_client_check.py").path

    /// Whether python3 with python-socketio and websocket-client is installed.
    static let isAvailable: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import socketio, websocket"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    @Test(
        "every transport set-up connects, acks and fans out with /ws; a bad token is refused",
        .enabled(
            if: Self.isAvailable,
            "python-socketio is not installed (pip install 'python-socketio[client]' websocket-client); CI installs it"
        )
    )
    func stockClient() async throws {
        try await TestApp.run(.live) { api in
            let port = try #require(api.client.port)
            let ann = try await api.guest("Ann")
            let group = try await api.createGroup(ann.token)
            let bob = try await api.member(of: group.id, invitedBy: ann.token, name: "Bob")
            let output = try await Self.runScript(["http://127.0.0.1:\(port)", ann.token, bob.token, group.id])
            #expect(output.status == 0, "\(output.text)")
            #expect(output.text.contains("all checks passed"), "\(output.text)")
            // Each set-up reported its own checks: none was skipped.
            #expect(output.text.components(separatedBy: "ok ").count - 1 == 5 * 6 + 2, "\(output.text)")
        }
    }

    private static func runScript(_ arguments: [String]) async throws -> (status: Int32, text: String) {
        let run = try await ChildProcess.run(absolute: "/usr/bin/env", arguments: ["python3", Self.script] + arguments, timeout: .seconds(240))
        return (run.status, run.stdout + run.stderr)
    }
}
