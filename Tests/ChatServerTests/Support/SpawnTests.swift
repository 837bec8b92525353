import ChatTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Programs spawned by the tests")
struct SpawnTests {
    /// The descriptors `/bin/sh` holds, read from `/proc`: `ls` in a child of its own.
    static func descriptors(listedIn listing: String) throws -> [Substring] {
        try String(contentsOfFile: listing, encoding: .utf8).split(separator: "\n").filter { $0.contains("->") }
    }

    /// A socket the test process opened as SwiftNIO accepts them (without close-on-exec) must not reach a
    /// spawned program: its copy would keep the connection open after the test's server closed it.
    @Test("inherit no socket of the test process")
    func noLeakedSockets() async throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor > 2)
        defer { close(descriptor) }
        let directory = try TemporaryDirectory()
        let listing = directory.url.appendingPathComponent("fds").path
        let status = try await Spawn.run("/bin/sh", ["-c", "ls -l /proc/$$/fd > '\(listing)'"])
        #expect(status == 0)
        let sockets = try Self.descriptors(listedIn: listing).filter { $0.contains("socket:") }
        #expect(sockets.isEmpty, "inherited: \(sockets)")
    }

    /// Another child's pipes must not reach a program either: holding a copy of a running program's standard
    /// output, it would hide that program's end from the test that waits for it.
    @Test("inherit nothing but their standard streams, not even another running child's pipes")
    func onlyStandardStreams() async throws {
        let running = try ChildProcess(absolute: "/bin/sleep", arguments: ["60"])
        defer { running.process.terminate() }
        // The shell's own descriptors (without a redirection, which would add a saved copy of its output).
        let lister = try ChildProcess(absolute: "/bin/sh", arguments: ["-c", "ls -l /proc/$$/fd; exit 3"])
        #expect(try await lister.wait(timeout: .seconds(30)) == 3)
        let lines = lister.stdout.split(separator: "\n").filter { $0.contains("->") }
        let held = lines.compactMap { line in line.split(separator: " ").reversed().dropFirst(2).first.flatMap { Int($0) } }
        #expect(held.sorted() == [0, 1, 2], "\(lines)")
        #expect(running.process.isRunning)
    }
}
