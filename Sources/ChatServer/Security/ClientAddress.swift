import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The address a request comes from, for per-address rate limits.
///
/// `X-Forwarded-For` is trusted only for as many proxies as `TRUST_PROXY` says: each appends the address it
/// saw, so the client is the entry that many places from the end. Anything before it may be forged, and
/// without `TRUST_PROXY` the header is ignored altogether; so is a header with fewer entries than proxies,
/// which did not come through all of them.
enum ClientAddress {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    static func of(_ request: Request, channel: any Channel, trustedProxies: Int) -> String {
        let forwarded = request.headers[values: Self.forwardedFor]
        return self.resolve(peer: channel.remoteAddress?.ipAddress, forwardedFor: forwarded, trustedProxies: trustedProxies)
    }

    /// The rate-limit key of the client: its address, or its /64 for IPv6, where one subscriber holds a whole
    /// /64 and could otherwise take a fresh bucket per address.
    static func resolve(peer: String?, forwardedFor headers: [String], trustedProxies: Int) -> String {
        let peer = peer ?? "unknown"
        guard trustedProxies > 0 else { return self.bucket(of: peer) }
        let forwarded = headers.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard forwarded.count >= trustedProxies else { return self.bucket(of: peer) }
        return self.bucket(of: forwarded[forwarded.count - trustedProxies])
    }

    /// An IPv4 address as it is, an IPv6 address as its /64 (`2001:db8:1:2::/64`); anything else as given,
    /// cut to a bounded length.
    static func bucket(of address: String) -> String {
        var text = address
        if text.hasPrefix("["), let end = text.firstIndex(of: "]") { text = String(text[text.index(after: text.startIndex)..<end]) }
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
        var bytes = [UInt8](repeating: 0, count: 16)
        guard text.contains(":"), inet_pton(AF_INET6, text, &bytes) == 1 else { return String(address.prefix(64)) }
        // An IPv4-mapped address (::ffff:a.b.c.d) is that IPv4 address.
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            return bytes[12..<16].map(String.init).joined(separator: ".")
        }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }
}
