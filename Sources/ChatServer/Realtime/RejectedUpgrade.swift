import ChatCore
import NIOCore
import NIOHTTP1

/// Answers a refused WebSocket upgrade with the API's own error response (such as 401 and its JSON body)
/// instead of Hummingbird's bare 400, then closes the connection's output, so that Hummingbird's own answer to
/// the refused upgrade (a second response, 400) cannot follow it.
enum RejectedUpgrade {
    static func write(_ error: ChatError, on channel: any Channel) async throws {
        let body = try ChatJSON.encoder.encode(ErrorBody(code: error.code, message: error.message))
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        if error.category == .unauthenticated { headers.add(name: "WWW-Authenticate", value: "Bearer") }
        let head = HTTPResponseHead(version: .http1_1, status: .init(statusCode: Int(error.status.code)), headers: headers)
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
        try await channel.writeAndFlush(HTTPServerResponsePart.end(nil))
        try? await channel.close(mode: .output)
    }
}
