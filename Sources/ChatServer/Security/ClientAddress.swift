import Hummingbird
import NIOCore

/// The address a request comes from, for per-address rate limits.
///
/// `X-Forwarded-For` is trusted only for as many proxies as `TRUST_PROXY` says: each appends the address it
/// saw, so the client is the entry that many places from the end. Anything before it may be forged, and
/// without `TRUST_PROXY` the header is ignored altogether.
enum ClientAddress {
    static func of(_ request: Request, channel: any Channel, trustedProxies: Int) -> String {
        let peer = channel.remoteAddress?.ipAddress ?? "unknown"
        guard trustedProxies > 0 else { return peer }
        let forwarded = request.headers[values: .init("X-Forwarded-For")!]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard forwarded.count >= trustedProxies else { return forwarded.first ?? peer }
        return forwarded[forwarded.count - trustedProxies]
    }
}
