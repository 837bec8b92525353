import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP client socket with blocking calls run on their own threads: for clients that misbehave on
/// purpose (one that stops reading, one that never sends).
public final class RawSocket: @unchecked Sendable {
    private let fd: Int32

    /// Connects to 127.0.0.1:`port`; `receiveBuffer` shrinks the kernel's receive buffer (a slow reader's).
    public init(port: Int, receiveBuffer: Int? = nil) throws {
        self.fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard self.fd >= 0 else { throw RawHTTP.Failure(description: "socket() failed") }
        if var size = receiveBuffer.map({ Int32($0) }) {
            setsockopt(self.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(self.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(self.fd)
            throw RawHTTP.Failure(description: "connect() failed")
        }
    }

    public func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(self.fd, $0.baseAddress, bytes.count, 0) }
    }

    /// Reads everything until the peer closes or `timeout` passes without data; `true` when the peer closed.
    public func drain(timeout: Duration) async -> (bytes: Int, closedByPeer: Bool) {
        let fd = self.fd
        return await withCheckedContinuation { continuation in
            Thread {
                var seconds = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
                var total = 0
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let count = recv(fd, &buffer, buffer.count, 0)
                    if count <= 0 {
                        continuation.resume(returning: (total, count == 0 || errno == ECONNRESET))
                        return
                    }
                    total += count
                }
            }.start()
        }
    }

    deinit { close(self.fd) }
}
