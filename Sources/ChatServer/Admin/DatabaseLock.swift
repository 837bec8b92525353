import Foundation
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// An advisory lock beside a SQLite database (`chat.sqlite.lock`), held by the server for as long as it runs, so
/// that `admin restore` (and a second server) can tell the database is in use. The kernel drops it when the
/// process ends, even by `kill -9`.
final class DatabaseLock: Sendable {
    private let descriptor: Int32

    /// Takes the lock for `databasePath`, or throws a ``ConfigurationError`` naming what holds it.
    init(databasePath: String, holder: String) throws {
        let path = databasePath + ".lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ConfigurationError("could not open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw ConfigurationError("\(databasePath) is in use by a running chat-server: stop it first (\(holder))")
        }
        self.descriptor = descriptor
    }

    deinit { close(self.descriptor) }
}

/// Holds the database's lock while the server runs: taken when the services start (a second server on the same
/// file stops there, with one line), released after the store has closed.
struct DatabaseLockService: Service {
    let databasePath: String

    func run() async throws {
        let lock = try DatabaseLock(databasePath: self.databasePath, holder: "another chat-server, or an admin restore")
        try? await gracefulShutdown()
        withExtendedLifetime(lock) {}
    }
}
