import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Built-in TLS: HTTP/2 for clients that offer it by ALPN (REST), HTTP/1.1 with WebSocket upgrades otherwise.
///
/// Each connection takes the certificate current when it is accepted (``CertificateStore``), so a reload never
/// touches open connections. Browsers open WebSockets on an HTTP/1.1 connection of their own.
struct SecureChannel: ServerChildChannel {
    enum Negotiated: Sendable {
        case http1(HTTP1WebSocketUpgradeChannel.Value)
        case http2(HTTP2Channel.Value)
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    let certificates: CertificateStore
    let http1: HTTP1WebSocketUpgradeChannel
    let http2: HTTP2Channel
    let firstRequestTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(FirstRequestGuard(timeout: self.firstRequestTimeout))
            try pipeline.addHandler(NIOSSLServerHandler(context: self.certificates.context))
            let negotiation = NIOTypedApplicationProtocolNegotiationHandler<Negotiated> { result in
                switch result {
                case .negotiated("h2"):
                    return self.http2.setup(channel: channel, logger: logger).map { .http2($0) }
                case .negotiated("http/1.1"), .fallback:
                    return self.http1.setup(channel: channel, logger: logger).map { .http1($0) }
                case .negotiated:
                    // Only h2 and http/1.1 are offered, so a client cannot settle on anything else.
                    return channel.close().flatMapThrowing { throw ChannelError.inappropriateOperationForState }
                }
            }
            try pipeline.addHandler(negotiation)
            return Value(negotiated: negotiation.protocolNegotiationResult, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .http1(let connection): await self.http1.handle(value: connection, logger: logger)
            case .http2(let connection): await self.http2.handle(value: connection, logger: logger)
            }
        } catch {
            logger.debug("TLS connection ended before its protocol was settled: \(error)")
        }
    }
}
