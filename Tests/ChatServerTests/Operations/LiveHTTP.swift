import AsyncHTTPClient
import ChatCore
import NIOCore
import NIOHTTP1

/// HTTP requests to a chat-server process, as an outside client makes them (the Operations tests' one helper).
enum LiveHTTP {
    /// Sends one request, with a bearer `token`, extra `headers` and a JSON body when given, through `client`, and
    /// collects the whole answer.
    static func send(
        _ method: HTTPMethod,
        _ url: String,
        token: String? = nil,
        headers: [(String, String)] = [],
        json: (some Encodable)? = nil as String?,
        client: HTTPClient = .shared
    ) async throws -> (response: HTTPClientResponse, body: ByteBuffer) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try ChatJSON.encoder.encode(json)))
        }
        let response = try await client.execute(request, timeout: .seconds(10))
        return (response, try await response.body.collect(upTo: 16 << 20))
    }
}
