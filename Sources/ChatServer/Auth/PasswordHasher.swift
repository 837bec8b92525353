import HummingbirdBcrypt
import NIOPosix
import Synchronization

/// bcrypt on a thread pool of its own, so that hashing never stalls the request executor or the database.
public final class PasswordHasher: Sendable {
    /// The bcrypt cost (log2 of the rounds).
    public let cost: UInt8

    private static let threadPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    /// A hash of a random password at the same cost, verified against when an email is unknown, so that a
    /// login takes as long whether or not the account exists.
    private let decoy = Mutex<String?>(nil)

    public init(cost: UInt8) {
        precondition((4...31).contains(cost), "bcrypt cost must be within 4...31")
        self.cost = cost
    }

    /// A new salted hash of `password`.
    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await Self.threadPool.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`.
    public func verify(_ password: String, against hash: String) async throws -> Bool {
        try await Self.threadPool.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Spends the time of one verification, for an unknown account.
    public func verifyDecoy(_ password: String) async throws {
        let decoy: String
        if let existing = self.decoy.withLock({ $0 }) {
            decoy = existing
        } else {
            decoy = try await self.hash(String(UInt64.random(in: .min ... .max)))
            self.decoy.withLock { $0 = decoy }
        }
        _ = try await self.verify(password, against: decoy)
    }
}
