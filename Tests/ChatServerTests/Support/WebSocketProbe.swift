import ChatCore
import ChatTestSupport
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOSSL

/// A real WebSocket client for tests: it decodes every frame into a ``ServerEvent`` and sends ``ClientEvent``s.
final class WebSocketProbe: Sendable {
    let inbox = Inbox<ServerEvent>()
    private let outgoing: AsyncStream<String>.Continuation
    private let task: Task<WebSocketCloseFrame?, any Error>

    /// Connects to `/ws` with the token in the `Authorization` header, or in the query when `inQuery`; over TLS
    /// (`wss://`) when `tls` is given.
    init(port: Int, token: String?, inQuery: Bool = false, tls: TLSConfiguration? = nil) {
        var headers = HTTPFields()
        var url = "\(tls == nil ? "ws" : "wss")://127.0.0.1:\(port)/ws"
        if let token {
            if inQuery { url += "?token=\(token)" } else { headers[.authorization] = "Bearer \(token)" }
        }
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        self.outgoing = continuation
        self.task = TestWebSocket.run(url: url, headers: headers, tls: tls, label: "probe", outgoing: stream, into: self.inbox) { text in
            try? ChatJSON.decoder.decode(ServerEvent.self, from: Data(text.utf8))
        }
    }

    /// Connects and waits for `ready`.
    static func connect(
        port: Int,
        token: String,
        inQuery: Bool = false,
        tls: TLSConfiguration? = nil
    ) async throws -> (WebSocketProbe, ServerEvent.Ready) {
        let probe = WebSocketProbe(port: port, token: token, inQuery: inQuery, tls: tls)
        guard case .ready(let ready) = try await probe.inbox.next() else { throw UnexpectedResponse(description: "the first event was not ready") }
        return (probe, ready)
    }

    func send(_ event: ClientEvent) throws {
        self.outgoing.yield(String(decoding: try ChatJSON.encoder.encode(event), as: UTF8.self))
    }

    func sendRaw(_ text: String) {
        self.outgoing.yield(text)
    }

    /// Closes the socket and returns the close frame the server sent, if any.
    @discardableResult
    func close() async -> WebSocketCloseFrame? {
        self.outgoing.finish()
        return try? await self.task.value
    }

    /// Waits for the connection to end, and returns how it ended.
    func closeFrame() async throws -> WebSocketCloseFrame? {
        try await self.task.value
    }
}

/// The life of a test WebSocket: it writes each text `outgoing` yields (and closes when that ends), and pushes
/// every text frame it receives, as `decode` reads it (`nil`: skipped), into `inbox`, finished when the socket ends.
enum TestWebSocket {
    static func run<Element: Sendable>(
        url: String,
        headers: HTTPFields,
        tls: TLSConfiguration? = nil,
        label: String,
        outgoing: AsyncStream<String>,
        into inbox: Inbox<Element>,
        decode: @escaping @Sendable (String) -> Element?
    ) -> Task<WebSocketCloseFrame?, any Error> {
        Task {
            do {
                let close = try await WebSocketClient.connect(
                    url: url,
                    // The name the test certificates carry: an IP address cannot be sent as SNI.
                    configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: headers, sniHostname: tls == nil ? nil : "localhost"),
                    tlsConfiguration: tls,
                    logger: Logger(label: label)
                ) { inbound, outbound, _ in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await text in outgoing { try await outbound.write(.text(text)) }
                            try await outbound.close(.normalClosure, reason: nil)
                        }
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message, let element = decode(text) else { continue }
                            await inbox.push(element)
                        }
                        group.cancelAll()
                    }
                }
                await inbox.finish()
                return close
            } catch {
                await inbox.finish(failure: error)
                throw error
            }
        }
    }
}

extension ServerEvent {
    var message: Message? { if case .messageNew(let message) = self { message } else { nil } }
    var ack: MessageAck? { if case .messageAck(let ack) = self { ack } else { nil } }
    var eventError: EventError? { if case .error(let error) = self { error } else { nil } }
    var typing: Typing? { if case .typing(let typing) = self { typing } else { nil } }
    var memberJoined: MemberJoined? { if case .memberJoined(let joined) = self { joined } else { nil } }
    var roomJoined: RoomJoined? { if case .roomJoined(let joined) = self { joined } else { nil } }
    var updated: Message? { if case .messageUpdated(let message) = self { message } else { nil } }
    var readMarker: Read? { if case .read(let read) = self { read } else { nil } }
    var presence: PresenceChange? { if case .presence(let change) = self { change } else { nil } }
}
