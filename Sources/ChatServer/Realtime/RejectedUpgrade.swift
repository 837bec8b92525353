import ChatCore
import NIOCore
import NIOHTTP1

/// Answers a refused WebSocket upgrade with the API's own error response (such as 401 and its JSON body)
/// instead of Hummingbird's bare 400, then closes the connection's output, so that Hummingbird's own answer to
/// the refused upgrade (a second response, 400) cannot follow it.
enum RejectedUpgrade {
    static func write(_ error: ChatError, on channel: any Channel) async throws {
        let body = try ChatJSON.encoder.encode(ErrorBody(code: error.code, message: error.message))
        let extra = error.category == .unauthenticated ? [("WWW-Authenticate", "Bearer")] : []
        try await Self.write(status: Int(error.status.code), json: ByteBuffer(bytes: body), headers: extra, on: channel)
    }

    /// A refused Engine.IO upgrade, answered as the reference server answers it: 400 (403) and its JSON body.
    static func write(_ error: EngineIOError, on channel: any Channel) async throws {
        try await Self.write(status: error.status, json: ByteBuffer(string: error.body), headers: [], on: channel)
    }

    private static func write(status: Int, json: ByteBuffer, headers extra: [(String, String)], on channel: any Channel) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Content-Length", value: String(json.readableBytes))
        headers.add(name: "Connection", value: "close")
        for (name, value) in extra { headers.add(name: name, value: value) }
        let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: status), headers: headers)
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(json)), promise: nil)
        try await channel.writeAndFlush(HTTPServerResponsePart.end(nil))
        try? await channel.close(mode: .output)
    }
}
