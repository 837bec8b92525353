import Synchronization

/// The base of invite URLs. Without `PUBLIC_URL` it is `http://HOST:PORT`, and with `PORT=0` the port is
/// only known once the server listens, so it is filled in then.
public final class PublicURL: Sendable {
    private let storage: Mutex<String>

    init(_ value: String) {
        self.storage = Mutex(value)
    }

    var value: String { self.storage.withLock { $0 } }

    func update(_ value: String) { self.storage.withLock { $0 = value } }
}
