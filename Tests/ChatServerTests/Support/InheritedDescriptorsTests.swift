import ChatTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Programs spawned by the tests")
struct InheritedDescriptorsTests {
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
        let sockets = try String(contentsOfFile: listing, encoding: .utf8).split(separator: "\n").filter { $0.contains("socket:") }
        #expect(sockets.isEmpty, "inherited: \(sockets)")
    }
}
