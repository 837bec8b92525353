import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Keeps the test process's descriptors out of the children it starts.
///
/// SwiftNIO accepts connections without close-on-exec, and both `Foundation.Process` and `posix_spawn` pass
/// every such descriptor on. A child that holds a copy of a socket that an in-process test server closes keeps
/// it open, so the peer never sees the end (a tmux server, which outlives its client, holds it for good).
public enum InheritedDescriptors {
    /// Marks every open descriptor above standard error close-on-exec; called just before each spawn.
    public static func closeOnExec() {
        #if os(Linux)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for name in names {
            guard let descriptor = Int32(name), descriptor > 2 else { continue }
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0, flags & FD_CLOEXEC == 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
        #endif
    }
}
