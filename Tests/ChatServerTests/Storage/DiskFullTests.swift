import ChatCore
import ChatTestSupport
import Foundation
import Testing

/// A file system of a few MiB, mounted for the test (root and tmpfs needed).
private enum SmallFileSystem {
    /// Whether this process may mount a tmpfs, found out once with a probe mount.
    static let isAvailable: Bool = {
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("chat-mount-probe-\(UUID().uuidString)")
        guard (try? FileManager.default.createDirectory(at: probe, withIntermediateDirectories: true)) != nil else { return false }
        defer { try? FileManager.default.removeItem(at: probe) }
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe.path]) == 0 else { return false }
        return run("/bin/umount", [probe.path]) == 0
    }()

    static let skipReason: Comment = "cannot mount a tmpfs here (needs root): the disk-full test is skipped"

    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

@Suite("SQLite on a full disk", .enabled(if: SmallFileSystem.isAvailable, SmallFileSystem.skipReason))
struct DiskFullTests {
    @Test("sends fail while the disk is full; once space is back the group works, its seq gapless and every ack kept")
    func recoversFromFullDisk() async throws {
        let directory = try TemporaryDirectory()
        let mount = directory.url.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        #expect(SmallFileSystem.run("/bin/mount", ["-t", "tmpfs", "-o", "size=6m", "tmpfs", mount.path]) == 0)
        defer { SmallFileSystem.run("/bin/umount", ["-l", mount.path]) }

        let environment = ["DATABASE_URL": "sqlite://\(mount.path)/chat.sqlite", "JWT_SECRET": "a-secret-for-the-disk-full-test-32-bytes!"]
        let server = try await ServerProcess.start(in: directory.url, environment: environment)
        let api = APIClient(baseURL: server.baseURL)
        let ann = try await api.guest(displayName: "Ann")
        let client = api.authenticated(ann.token)
        let group = try await client.createGroup(name: "Full")
        var acknowledged: [Message] = []
        for index in 0..<5 { acknowledged.append(try await client.sendMessage(groupID: group.id, text: "before \(index)", clientID: nil)) }

        // Fill the file system.
        let filler = mount.appendingPathComponent("filler")
        _ = FileManager.default.createFile(atPath: filler.path, contents: nil)
        let handle = try FileHandle(forWritingTo: filler)
        let chunk = Data(repeating: 0x55, count: 64 * 1024)
        while (try? handle.write(contentsOf: chunk)) != nil {}
        try? handle.close()
        // Sends from several sockets at once, so that batches of several messages meet the full disk. The text is
        // plain ASCII: cheap to index, so that the test does not starve the other tests of CPU.
        let text = String(repeating: "x", count: 3990)
        var failures = 0
        var codes: Set<String> = []
        var probes: [WebSocketProbe] = []
        for _ in 0..<4 { probes.append(try await WebSocketProbe.connect(port: server.port, token: ann.token).0) }
        for (number, probe) in probes.enumerated() {
            for index in 0..<20 { try probe.send(.messageSend(groupId: group.id, text: text, clientId: "full-\(number)-\(index)")) }
        }
        for probe in probes {
            var answered = 0
            while answered < 20 {
                let event = try await probe.inbox.first(timeout: .seconds(30)) { event -> ServerEvent? in
                    event.ack != nil || event.eventError != nil ? event : nil
                }
                if let ack = event.ack {
                    acknowledged.append(ack.message)
                } else {
                    failures += 1
                    codes.insert(event.eventError?.code ?? "")
                }
                answered += 1
            }
            await probe.close()
        }
        try #require(failures > 0, "the disk never filled up: the test proves nothing")
        #expect(codes == ["storage_full"], "a full disk is told as such (503 storage_full on REST), not as an internal error")
        #expect(server.child.process.isRunning, "a full disk must not crash the server")

        // Space comes back: the group works again, at once.
        try FileManager.default.removeItem(at: filler)
        for index in 0..<5 { acknowledged.append(try await client.sendMessage(groupID: group.id, text: "after \(index)", clientID: nil)) }
        var stored: [Message] = []
        var cursor: String?
        repeat {
            let page = try await client.messages(groupID: group.id, limit: 100, cursor: cursor)
            stored.insert(contentsOf: page.messages, at: 0)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(stored.map(\.seq) == Array(1...Int64(stored.count)), "seq stays gapless")
        #expect(Set(stored.map(\.id)).isSuperset(of: acknowledged.map(\.id)), "every acknowledged message is kept")
        #expect(stored.count == acknowledged.count, "nothing that failed was stored")
        try await server.stop()
    }
}
