import Foundation
import NIOCore

/// Memory and CPU time of processes, from `/proc`, and the open-files limit.
enum ProcessStats {
    /// Resident memory of `pid` (`VmRSS`), in bytes.
    static func residentBytes(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kilobytes = Int(fields[1]) { return kilobytes * 1024 }
        }
        return nil
    }

    /// User plus system CPU seconds used by `pid` so far (`/proc/PID/stat` fields 14 and 15).
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        // After the command name in parentheses come the fields from 3 (state) on.
        let fields = stat[stat.index(after: end)...].split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Raises the soft open-files limit to the hard one, which child processes inherit; returns the new limit.
    @discardableResult
    static func raiseOpenFilesLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(clamping: limit.rlim_cur)
    }
}

/// CPU shares of the generator (this process) and the server over one phase, as fractions of the whole
/// machine (all cores), since they share it.
struct CPUMeter {
    private let server: ServerHandle
    private let start = ContinuousClock.now
    private let selfStart: Double?
    private let serverStart: Double?

    init(server: ServerHandle) {
        self.server = server
        self.selfStart = ProcessStats.cpuSeconds(pid: getpid())
        self.serverStart = server.cpuSeconds
    }

    /// `(generator, server)` shares since `init`, each in [0, 1]; `nil` when a process is unknown.
    func shares() -> (generator: Double?, server: Double?) {
        let capacity = (ContinuousClock.now - self.start).seconds * Double(System.coreCount)
        func share(_ start: Double?, _ end: Double?) -> Double? {
            guard let start, let end, capacity > 0 else { return nil }
            return (end - start) / capacity
        }
        return (share(self.selfStart, ProcessStats.cpuSeconds(pid: getpid())), share(self.serverStart, self.server.cpuSeconds))
    }
}

/// A free TCP port on loopback.
enum FreePort {
    static func pick() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw BenchError("cannot bind a loopback port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
