import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Sends bytes over a plain TCP socket and reads the answer until the server closes: what a client really sees.
public enum RawHTTP {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// What came back, and whether the server closed the connection (rather than the read timing out).
    public struct Answer: Sendable {
        public let text: String
        public let closedByServer: Bool
    }

    /// The raw response to `request` sent to 127.0.0.1:`port`.
    public static func exchange(port: Int, request: String, timeout: Duration = .seconds(5)) async throws -> String {
        try await self.converse(port: port, request: request, timeout: timeout).text
    }

    /// Sends `request`, then reads until the server closes or nothing arrives for `timeout`, or (with `until`) as
    /// soon as what arrived contains that text: an answer that leaves the connection open (a 101) ends there.
    /// `connected` is called once the connection is open, before anything is sent.
    public static func converse(
        port: Int,
        request: String,
        timeout: Duration = .seconds(5),
        until marker: String? = nil,
        connected: (@Sendable () -> Void)? = nil
    ) async throws -> Answer {
        // Blocking socket calls run on a thread of their own: on the cooperative pool they would starve the server.
        try await Self.onThread {
            // Close-on-exec: a child process spawned meanwhile by another test must not keep the connection open.
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw Failure(description: "socket() failed") }
            defer { close(fd) }
            var seconds = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let status = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard status == 0 else { throw Failure(description: "connect() failed") }
            connected?()
            let bytes = Array(request.utf8)
            guard send(fd, bytes, bytes.count, 0) == bytes.count else { throw Failure(description: "send() failed") }
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count <= 0 {
                    return Answer(text: String(decoding: received, as: UTF8.self), closedByServer: count == 0)
                }
                received += buffer[0..<count]
                if let marker, String(decoding: received, as: UTF8.self).contains(marker) {
                    return Answer(text: String(decoding: received, as: UTF8.self), closedByServer: false)
                }
            }
        }
    }

    private static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.start()
        }
    }

    /// A WebSocket upgrade request for `path`, with extra header lines.
    public static func upgradeRequest(_ path: String, headers: [String] = []) -> String {
        ([
            "GET \(path) HTTP/1.1", "Host: 127.0.0.1", "Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Version: 13",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        ]
            + headers).joined(separator: "\r\n") + "\r\n\r\n"
    }
}
