import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Ports for tests that must restart a server on the same port. They come from below the kernel's
/// ephemeral range (32768–60999 on Linux), so that no other test's `PORT=0` server can take the port while
/// the server is down.
public enum FreePort {
    public static func reserve() -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            if self.isFree(port) { return port }
        }
        return 0
    }

    private static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
