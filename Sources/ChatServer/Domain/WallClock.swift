import ChatCore
import Foundation

/// The time of day, injectable so that tests can move it (token expiry, invite expiry).
public struct WallClock: Sendable {
    private let read: @Sendable () -> Date

    public init(_ read: @escaping @Sendable () -> Date) {
        self.read = read
    }

    /// The current time, truncated to whole milliseconds as the API stores it.
    public func now() -> Date { Timestamp.truncated(self.read()) }

    /// The system's clock.
    public static let system = WallClock { Date() }
}
