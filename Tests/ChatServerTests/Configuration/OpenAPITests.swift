import ChatTestSupport
import Foundation
import HummingbirdTesting
import Logging
import Testing

@testable import ChatServer

@Suite("The OpenAPI document")
struct OpenAPITests {
    static var document: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(PackageResources.openapi_json))) as? [String: Any] ?? [:]
    }

    /// `(METHOD, /path/{param})` for every operation in the document.
    static var documentedOperations: Set<String> {
        let paths = self.document["paths"] as? [String: [String: Any]] ?? [:]
        return Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
    }

    @Test("it is OpenAPI 3.1 and lists exactly the server's routes")
    func inStepWithRoutes() async throws {
        #expect(Self.document["openapi"] as? String == "3.1.0")
        var configuration = TestApp.configuration(databasePath: "unused")
        configuration.database = .sqliteMemory
        let components = try await ServerComponents(configuration, clock: .system, shutdown: ShutdownCoordinator())
        let routes = Set(
            components.router.routes.map { route in
                let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                return "\(route.method.rawValue) /" + path.joined(separator: "/")
            }
        )
        for service in components.storage.services { await (service as? ClosingService)?.close() }
        #expect(
            routes == Self.documentedOperations,
            "undocumented: \(routes.subtracting(Self.documentedOperations)); gone: \(Self.documentedOperations.subtracting(routes))"
        )
    }

    @Test("every operation documents its errors with the error schema, and every schema it names exists")
    func errorsDocumented() throws {
        let paths = try #require(Self.document["paths"] as? [String: [String: [String: Any]]])
        let schemas = try #require((Self.document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let text = String(decoding: PackageResources.openapi_json, as: UTF8.self)
        for name in text.components(separatedBy: "#/components/schemas/").dropFirst().map({ String($0.prefix { $0 != "\"" }) }) {
            #expect(schemas[name] != nil, "missing schema \(name)")
        }
        for (path, operations) in paths {
            for (method, operation) in operations {
                let responses = try #require(operation["responses"] as? [String: [String: Any]])
                let secured = operation["security"] != nil
                if secured { #expect(responses["401"] != nil, "\(method) \(path) has no 401") }
                for (status, response) in responses where status.hasPrefix("4") && path != "/join/{token}" {
                    let schema = ((response["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: String]
                    // Socket.IO's errors are the reference server's, not the API's.
                    let expected = path == "/socket.io" ? "#/components/schemas/EngineIOError" : "#/components/schemas/Error"
                    #expect(schema?["$ref"] == expected, "\(method) \(path) \(status)")
                }
            }
        }
    }

    @Test("GET /openapi.json serves the document")
    func served() async throws {
        try await TestApp.run { api in
            let response = try await api.call(.get, "/openapi.json")
            #expect(response.status == .ok)
            #expect(Array(response.body.readableBytesView) == PackageResources.openapi_json)
            let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../openapi.json")
            #expect(try Data(contentsOf: repository) == Data(PackageResources.openapi_json), "the repository's openapi.json is the served one")
        }
    }
}
