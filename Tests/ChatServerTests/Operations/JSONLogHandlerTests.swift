import ChatServer
import Foundation
import Logging
import Synchronization
import Testing

@Suite("LOG_FORMAT=json")
struct JSONLogHandlerTests {
    @Test("one JSON object per line: escapes control characters, keeps the four fixed keys, nests metadata")
    func oneObjectPerLine() throws {
        let lines = Mutex<[String]>([])
        var handler = JSONLogHandler(label: "test") { line in lines.withLock { $0.append(line) } }
        handler.logLevel = .debug
        handler.metadata = ["message": "not the message", "request": ["id": "r1", "tags": ["a", "b"]]]
        let logger = Logger(label: "test") { _ in handler }
        logger.info("line one\nline two \u{1B}[2J \"quoted\" \\ \u{2028}", metadata: ["status": "\(201)"])
        logger.trace("below the level")
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(!line.contains("\n") && !line.contains("\u{1B}") && !line.contains("\u{2028}"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == "line one\nline two \u{1B}[2J \"quoted\" \\ \u{2028}")
        #expect(object["level"] as? String == "info")
        #expect(object["logger"] as? String == "test")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
        #expect(object["status"] as? String == "201")
        let request = try #require(object["request"] as? [String: Any])
        #expect(request["id"] as? String == "r1" && request["tags"] as? [String] == ["a", "b"])
    }

    @Test("LOG_FORMAT, TLS_CERT and TLS_KEY are checked: a bad value is one clear line")
    func settings() throws {
        #expect(try ServerConfiguration.resolve(flags: [:], environment: ["LOG_FORMAT": "JSON"], dotEnv: [:]).logFormat == .json)
        #expect(throws: ConfigurationError("LOG_FORMAT must be text or json (got \"xml\")")) {
            try ServerConfiguration.resolve(flags: [:], environment: ["LOG_FORMAT": "xml"], dotEnv: [:])
        }
        #expect(throws: ConfigurationError("TLS_KEY is set but TLS_CERT is not: set both, or neither for plain HTTP")) {
            try ServerConfiguration.resolve(flags: [:], environment: ["TLS_KEY": "k.pem"], dotEnv: [:])
        }
        let tls = try ServerConfiguration.resolve(flags: [:], environment: ["TLS_CERT": "c.pem", "TLS_KEY": "k.pem"], dotEnv: [:])
        #expect(tls.tls == TLSFiles(certificatePath: "c.pem", keyPath: "k.pem"))
        #expect(tls.effectivePublicURL == "https://127.0.0.1:4000")
        #expect(try ServerConfiguration.resolve(flags: [:], environment: [:], dotEnv: [:]).tracingEnabled == false)
        let traced = try ServerConfiguration.resolve(flags: [:], environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"], dotEnv: [:])
        #expect(traced.tracingEnabled)
        let disabled = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"]
        #expect(try ServerConfiguration.resolve(flags: [:], environment: disabled, dotEnv: [:]).tracingEnabled == false)
    }
}
