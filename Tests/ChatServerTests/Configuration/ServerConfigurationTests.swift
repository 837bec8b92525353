import Foundation
import Logging
import NIOSSL
import Testing

@testable import ChatServer

@Suite("Configuration: flags, environment, .env and defaults")
struct ServerConfigurationTests {
    @Test("with nothing set, the defaults apply")
    func defaults() throws {
        let configuration = try ServerConfiguration.resolve(flags: [:], environment: [:], dotEnv: [:])
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 4000)
        #expect(configuration.database == .sqliteFile("./data/chat.sqlite"))
        #expect(configuration.jwtSecret == nil)
        #expect(configuration.effectivePublicURL == "http://127.0.0.1:4000")
        #expect(configuration.logLevel == .info)
        #expect(configuration.bcryptCost == 12)
    }

    @Test("a flag beats the environment, which beats .env")
    func precedence() throws {
        let flags = ["PORT": "1111"]
        let environment = ["PORT": "2222", "HOST": "0.0.0.0"]
        let dotEnv = ["PORT": "3333", "HOST": "10.0.0.1", "LOG_LEVEL": "debug", "PUBLIC_URL": "https://chat.example.org/"]
        let configuration = try ServerConfiguration.resolve(flags: flags, environment: environment, dotEnv: dotEnv)
        #expect(configuration.port == 1111)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.effectivePublicURL == "https://chat.example.org")
        let fromDotEnv = try ServerConfiguration.resolve(flags: [:], environment: [:], dotEnv: dotEnv)
        #expect(fromDotEnv.port == 3333)
    }

    @Test("DATABASE_URL takes sqlite paths, relative or absolute, :memory:, and postgres URLs")
    func databaseURLs() throws {
        #expect(try DatabaseLocation(url: "sqlite://./data/x.sqlite") == .sqliteFile("./data/x.sqlite"))
        #expect(try DatabaseLocation(url: "sqlite:///var/lib/chat/chat.sqlite") == .sqliteFile("/var/lib/chat/chat.sqlite"))
        #expect(try DatabaseLocation(url: "sqlite://:memory:") == .sqliteMemory)
        let postgres = try DatabaseLocation(url: "postgres://chat:hunter2@db:5432/chat?sslmode=require")
        #expect(postgres == .postgres("postgres://chat:hunter2@db:5432/chat?sslmode=require"))
        #expect(!postgres.description.contains("hunter2"))
        #expect(throws: ConfigurationError.self) { try DatabaseLocation(url: "mysql://x") }
        #expect(throws: ConfigurationError.self) { try DatabaseLocation(url: "sqlite://") }
    }

    @Test("bad values are refused with a message that names the setting")
    func invalid() {
        let cases: [(String, String)] = [
            ("PORT", "eighty"), ("PORT", "70000"), ("HOST", " "), ("JWT_SECRET", "too-short"), ("PUBLIC_URL", "ftp://x"),
            ("LOG_LEVEL", "loud"), ("BCRYPT_COST", "4"), ("DATABASE_URL", "file.db"), ("PRESENCE_GRACE", "301"), ("PRESENCE_GRACE", "soon"),
            ("RETENTION_DAYS", "0"), ("RETENTION_DAYS", "a week"), ("RETENTION_DAYS", "36501"), ("RATE_LIMIT_GROUPS", "many"),
            ("RATE_LIMIT_INVITES", "0/5"), ("MAX_GROUPS_PER_USER", "-1"), ("MAX_INVITES_PER_USER", "lots"), ("BCRYPT_QUEUE", "0"),
        ]
        for (name, value) in cases {
            #expect {
                try ServerConfiguration.resolve(flags: [:], environment: [name: value], dotEnv: [:])
            } throws: { error in
                (error as? ConfigurationError)?.message.contains(name) == true
            }
        }
    }

    @Test("every setting is documented for --help, within 78 columns")
    func documented() throws {
        let names = Set(ServerConfiguration.settings.map(\.name))
        #expect(
            names == [
                "PORT", "HOST", "DATABASE_URL", "JWT_SECRET", "PUBLIC_URL", "LOG_LEVEL", "BCRYPT_COST", "RATE_LIMITS", "RATE_LIMIT_AUTH_IP",
                "RATE_LIMIT_AUTH_ACCOUNT", "RATE_LIMIT_MESSAGES", "TRUST_PROXY", "ALLOWED_ORIGINS", "WS_QUEUE_LIMIT",
                "PRESENCE_GRACE", "RETENTION_DAYS", "RATE_LIMIT_GROUPS", "RATE_LIMIT_INVITES", "MAX_GROUPS_PER_USER",
                "MAX_INVITES_PER_USER", "BCRYPT_QUEUE", "TLS_CERT", "TLS_KEY", "LOG_FORMAT", "OTEL_EXPORTER_OTLP_ENDPOINT",
            ]
        )
        // Each name starts a line, whole, however long it is; every word of its text follows; no line is wider
        // than 78 columns, so that ArgumentParser does not wrap it again on an 80-column terminal.
        let help = ServerConfiguration.settingsHelp()
        let lines = help.split(separator: "\n")
        for (name, text) in ServerConfiguration.settings {
            let start = try #require(lines.firstIndex { $0.hasPrefix("  \(name) ") || $0 == "  \(name)" }, "\(name) in:\n\(help)")
            let following = lines[start...].prefix { $0 == lines[start] || $0.hasPrefix("    ") }.joined(separator: " ")
            let words = following.split(separator: " ").dropFirst()
            #expect(Array(words) == text.split(whereSeparator: \.isWhitespace), "\(name)")
        }
        #expect(lines.allSatisfy { $0.count <= 78 }, "\(help)")
    }

    @Test("the abuse limits are settings: per-user rates, caps and the bcrypt queue")
    func abuseSettings() throws {
        let configuration = try ServerConfiguration.resolve(
            flags: ["MAX_GROUPS_PER_USER": "0"],
            environment: ["RATE_LIMIT_GROUPS": "3/6", "RATE_LIMIT_INVITES": "4/8", "MAX_INVITES_PER_USER": "7", "BCRYPT_QUEUE": "9"],
            dotEnv: [:]
        )
        #expect(configuration.groupRatePerUser == RateLimit(burst: 3, perMinute: 6))
        #expect(configuration.inviteRatePerUser == RateLimit(burst: 4, perMinute: 8))
        #expect((configuration.maxOwnedGroups, configuration.maxLiveInvites, configuration.bcryptQueueLimit) == (0, 7, 9))
        let defaults = ServerConfiguration()
        #expect(defaults.maxOwnedGroups > 0 && defaults.maxLiveInvites > 0, "capped unless turned off")
    }

    @Test("sslmode as in libpq: verify-ca checks the chain only, verify-full the host name too, the others nothing")
    func sslModes() throws {
        func verification(_ mode: String) throws -> String {
            "\(try PostgresURL("postgres://u@db.example.org/chat?sslmode=\(mode)").tlsConfiguration.certificateVerification)"
        }
        #expect(try verification("verify-full") == "\(CertificateVerification.fullVerification)")
        #expect(try verification("verify-ca") == "\(CertificateVerification.noHostnameVerification)")
        for mode in ["require", "prefer", "disable"] {
            #expect(try verification(mode) == "\(CertificateVerification.none as CertificateVerification)")
        }
    }
}
