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

    @Test("the data folder is created 0700, and the database with its -wal and -shm 0600, whatever the umask")
    func privateFiles() async throws {
        let directory = try TemporaryDirectory()
        let server = try await ServerProcess.start(in: directory.url, environment: ["DATABASE_URL": "sqlite://./data/chat.sqlite"])
        func mode(_ path: String) throws -> Int {
            try #require(try FileManager.default.attributesOfItem(atPath: directory.path(path))[.posixPermissions] as? Int)
        }
        #expect(try mode("data") == 0o700)
        for file in ["data/chat.sqlite", "data/chat.sqlite-wal", "data/chat.sqlite-shm", "data/chat.sqlite.jwt-secret"] {
            #expect(try mode(file) == 0o600, "\(file)")
        }
        #expect(try await server.stop() == 0)
        // A database left readable by others is narrowed at the next start.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory.path("data/chat.sqlite"))
        let again = try await ServerProcess.start(in: directory.url, environment: ["DATABASE_URL": "sqlite://./data/chat.sqlite"])
        #expect(try mode("data/chat.sqlite") == 0o600)
        #expect(again.log.contains("readable by others"))
        #expect(try await again.stop() == 0)
    }

    @Test("requests carrying X-Forwarded-For while TRUST_PROXY is 0 log one warning")
    func untrustedProxyWarning() async throws {
        let directory = try TemporaryDirectory()
        let server = try await ServerProcess.start(in: directory.url)
        let request = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.5\r\nConnection: close\r\n\r\n"
        #expect(try await RawHTTP.exchange(port: server.port, request: request).hasPrefix("HTTP/1.1 200"))
        #expect(try await RawHTTP.exchange(port: server.port, request: request).hasPrefix("HTTP/1.1 200"))
        try await server.waitForLog("TRUST_PROXY is 0")
        #expect(server.log.components(separatedBy: "TRUST_PROXY is 0").count - 1 == 1, "once, not per request")
        #expect(try await server.stop() == 0)

        let behindProxy = try await ServerProcess.start(in: directory.url, environment: ["TRUST_PROXY": "1"])
        #expect(try await RawHTTP.exchange(port: behindProxy.port, request: request).hasPrefix("HTTP/1.1 200"))
        #expect(try await behindProxy.stop() == 0)
        #expect(!behindProxy.log.contains("TRUST_PROXY is 0"))
    }

    @Test("every shipped proxy set-up trusts its one proxy: compose.yaml, deploy/nginx.conf and the README's example")
    func shippedProxySetups() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        func read(_ path: String) throws -> String { try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8) }
        let compose = try read("compose.yaml")
        #expect(compose.contains("TRUST_PROXY: \"1\""))
        let nginx = try read("deploy/nginx.conf")
        #expect(nginx.contains("TRUST_PROXY=1") && nginx.contains("$proxy_add_x_forwarded_for"))
        let readme = try read("README.md")
        let example = try #require(readme.range(of: "**Behind a reverse proxy**").map { String(readme[$0.lowerBound...].prefix(2400)) })
        #expect(example.contains("TRUST_PROXY=1"))
        #expect(example.components(separatedBy: "X-Forwarded-For $proxy_add_x_forwarded_for").count - 1 == 3, "every location sets it")
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
