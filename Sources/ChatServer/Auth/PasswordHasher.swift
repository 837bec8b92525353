import HummingbirdBcrypt
import NIOPosix
import Synchronization

/// bcrypt on a thread pool of its own, so that hashing never stalls the request executor or the database.
///
/// The pool's queue is bounded: with `queueLimit` hashes running or waiting, the next is refused at once with
/// 503 and `Retry-After`, so that a flood of logins cannot keep real users waiting without end.
public final class PasswordHasher: Sendable {
    /// The bcrypt cost (log2 of the rounds).
    public let cost: UInt8
    /// Hashes that may run or wait at once.
    public let queueLimit: Int
    private let queued = Atomic(0)

    private static let threadPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    /// A hash of a random password at the same cost, verified against when an email is unknown, so that a
    /// login takes as long whether or not the account exists.
    private let decoy = Mutex<String?>(nil)

    public init(cost: UInt8, queueLimit: Int = 32) {
        precondition((4...31).contains(cost), "bcrypt cost must be within 4...31")
        precondition(queueLimit > 0, "the bcrypt queue needs room for one")
        self.cost = cost
        self.queueLimit = queueLimit
    }

    /// Refused hashes: the server is busy checking passwords.
    static let busy = ChatError(
        .unavailable,
        "busy",
        "The server is busy checking passwords: try again in a moment.",
        retryAfter: .seconds(1)
    )

    /// A new salted hash of `password`.
    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await self.run { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`.
    public func verify(_ password: String, against hash: String) async throws -> Bool {
        try await self.run { Bcrypt.verify(password, hash: hash) }
    }

    /// Runs `work` on the pool if there is room in the queue; throws ``busy`` at once otherwise.
    private func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard self.queued.wrappingAdd(1, ordering: .relaxed).newValue <= self.queueLimit else {
            self.queued.wrappingSubtract(1, ordering: .relaxed)
            throw Self.busy
        }
        defer { self.queued.wrappingSubtract(1, ordering: .relaxed) }
        return try await Self.threadPool.runIfActive(work)
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
