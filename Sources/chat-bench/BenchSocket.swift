import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A lean WebSocket client for load generation: frames are handled on the event loop by callbacks, with no task
/// and no JSON decoding per frame, so that the generator spends as little as possible of the shared CPU.
final class BenchSocket: Sendable {
    let channel: any Channel

    private init(channel: any Channel) { self.channel = channel }

    /// Connects to `ws://host:port/path`, with `token` as a bearer token when given. `onText` is called on the
    /// socket's event loop for each text frame, and `onClose` once when the connection ends.
    static func connect(
        host: String,
        port: Int,
        path: String,
        token: String?,
        from localAddress: String? = nil,
        on group: any EventLoopGroup,
        onText: @escaping @Sendable (ByteBuffer) -> Void,
        onClose: @escaping @Sendable () -> Void = {}
    ) async throws -> BenchSocket {
        var bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(30))
        if let localAddress { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: localAddress, port: 0)) }
        let upgrade: EventLoopFuture<Upgrade> = try await bootstrap.connect(host: host, port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(maxFrameSize: 1 << 20) { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(FrameHandler(onText: onText, onClose: onClose))
                        return Upgrade.websocket(channel)
                    }
                }
                var headers = HTTPHeaders()
                headers.add(name: "Host", value: "\(host):\(port)")
                headers.add(name: "Content-Length", value: "0")
                if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
                let configuration = NIOTypedHTTPClientUpgradeConfiguration(
                    upgradeRequestHead: HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers),
                    upgraders: [upgrader],
                    notUpgradingCompletionHandler: { channel in
                        channel.eventLoop.makeCompletedFuture { Upgrade.refused }
                    }
                )
                var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: configuration)
                // The server's first frame may arrive with its 101 answer: keep those bytes for the frame decoder.
                pipeline.leftOverBytesStrategy = .forwardBytes
                return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: pipeline)
            }
        }
        switch try await upgrade.get() {
        case .websocket(let channel): return BenchSocket(channel: channel)
        case .refused: throw BenchError("the server refused the WebSocket upgrade of \(path)")
        }
    }

    /// Sends one text frame (masked, as a client must); callable from any thread.
    func send(_ text: String) {
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: text))
        self.channel.writeAndFlush(frame, promise: nil)
    }

    /// Closes the connection without waiting.
    func close() {
        self.channel.close(promise: nil)
    }

    private enum Upgrade: Sendable {
        case websocket(any Channel)
        case refused
    }
}

/// Hands text frames to a callback, answers pings, and reports the end of the connection.
private final class FrameHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let onText: @Sendable (ByteBuffer) -> Void
    private let onClose: @Sendable () -> Void
    private var closed = false

    init(onText: @escaping @Sendable (ByteBuffer) -> Void, onClose: @escaping @Sendable () -> Void) {
        self.onText = onText
        self.onClose = onClose
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            self.onText(frame.unmaskedData)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(Self.wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !self.closed {
            self.closed = true
            self.onClose()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// The mark that load messages carry in their text, `#B#GROUP:INDEX:NANOS#`, found in a frame without
/// decoding its JSON.
enum LoadMark {
    /// The text of message `index` of group `group`, sent (or due) at `nanos` (`DispatchTime` uptime).
    static func text(group: Int, index: Int, nanos: UInt64) -> String {
        "#B#\(group):\(index):\(nanos)# load test message with a realistic length for a chat line."
    }

    /// The `(group, index, nanos)` in a frame, if it carries a mark.
    static func find(in buffer: ByteBuffer) -> (group: Int, index: Int, nanos: UInt64)? {
        buffer.withUnsafeReadableBytes { bytes -> (Int, Int, UInt64)? in
            let count = bytes.count
            var i = 0
            while i + 3 < count {
                if bytes[i] == UInt8(ascii: "#"), bytes[i + 1] == UInt8(ascii: "B"), bytes[i + 2] == UInt8(ascii: "#") {
                    var numbers: (UInt64, UInt64, UInt64) = (0, 0, 0)
                    var field = 0
                    var j = i + 3
                    while j < count, field < 3 {
                        let byte = bytes[j]
                        if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                            let digit = UInt64(byte - UInt8(ascii: "0"))
                            switch field {
                            case 0: numbers.0 = numbers.0 &* 10 &+ digit
                            case 1: numbers.1 = numbers.1 &* 10 &+ digit
                            default: numbers.2 = numbers.2 &* 10 &+ digit
                            }
                        } else if byte == UInt8(ascii: ":") || byte == UInt8(ascii: "#") {
                            field += 1
                        } else {
                            return nil
                        }
                        j += 1
                    }
                    return field == 3 ? (Int(numbers.0), Int(numbers.1), numbers.2) : nil
                }
                i += 1
            }
            return nil
        }
    }

    /// Whether the frame is a `message:ack` (which also carries the message, and so its mark).
    static func isAck(_ buffer: ByteBuffer) -> Bool {
        Self.contains(buffer, Self.ackType)
    }

    /// Whether the frame is the `ready` event a socket gets once it is subscribed: other events (presence,
    /// joins) may come before or after it, and must not count as readiness.
    static func isReady(_ buffer: ByteBuffer) -> Bool {
        Self.contains(buffer, Self.readyType) || Self.starts(buffer, Self.socketIOReady)
    }

    /// Whether the frame is an `error` event.
    static func isError(_ buffer: ByteBuffer) -> Bool {
        Self.contains(buffer, Self.errorType) || Self.starts(buffer, Self.socketIOError)
    }

    private static let ackType = Array("\"message:ack\"".utf8)
    private static let readyType = Array("\"type\":\"ready\"".utf8)
    private static let errorType = Array("\"type\":\"error\"".utf8)
    /// The same events over Socket.IO: `42["ready",…]`, `42["error",…]`.
    private static let socketIOReady = Array("42[\"ready\"".utf8)
    private static let socketIOError = Array("42[\"error\"".utf8)

    private static func starts(_ buffer: ByteBuffer, _ prefix: [UInt8]) -> Bool {
        buffer.readableBytesView.starts(with: prefix)
    }

    private static func contains(_ buffer: ByteBuffer, _ needle: [UInt8]) -> Bool {
        buffer.withUnsafeReadableBytes { bytes in
            guard bytes.count >= needle.count else { return false }
            for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
                if (1..<needle.count).allSatisfy({ bytes[start + $0] == needle[$0] }) { return true }
            }
            return false
        }
    }
}

/// Monotonic nanoseconds, comparable across the generator's threads.
@inline(__always) func nowNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
