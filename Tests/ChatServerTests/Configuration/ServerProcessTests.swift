import ChatCore
import ChatTestSupport
import Foundation
import Testing

@Suite("The chat-server executable")
struct ServerProcessTests {
    @Test("it reads .env, lets the environment override it, and shuts down cleanly on SIGTERM")
    func dotEnv() async throws {
        let directory = try TemporaryDirectory()
        let publicURL = "https://from-dotenv.example.org"
        try """
        # comment lines are fine
        PUBLIC_URL=\(publicURL)
        DATABASE_URL=sqlite://./db/from-dotenv.sqlite
        LOG_LEVEL=error
        """.write(to: directory.url.appendingPathComponent(".env"), atomically: true, encoding: .utf8)
        let server = try await ServerProcess.start(in: directory.url, environment: ["LOG_LEVEL": "info"])
        #expect(FileManager.default.fileExists(atPath: directory.path("db/from-dotenv.sqlite")))
        #expect(FileManager.default.fileExists(atPath: directory.path("db/from-dotenv.sqlite.jwt-secret")))
        // LOG_LEVEL came from the environment (info), so the start-up line is there.
        #expect(server.log.contains(publicURL))
        #expect(try await server.stop() == 0)
    }

    @Test("a bad setting is one line on stderr and exit status 1")
    func badSetting() async throws {
        let directory = try TemporaryDirectory()
        let (status, output) = try await ServerProcess.run(in: directory.url, environment: ["JWT_SECRET": "short"])
        #expect(status == 1)
        #expect(output == "chat-server: JWT_SECRET is 5 bytes; it needs at least 32 (try: openssl rand -hex 32)\n")
        let (portStatus, portOutput) = try await ServerProcess.run(in: directory.url, arguments: ["--port", "http"])
        #expect(portStatus == 1)
        #expect(portOutput.split(separator: "\n").count == 1)
        #expect(portOutput.contains("PORT must be a number"))
    }
}
