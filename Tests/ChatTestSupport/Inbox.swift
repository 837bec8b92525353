/// A queue that one task fills and a test drains, waiting at most a given time for each element.
public actor Inbox<Element: Sendable> {
    public init() {}

    /// No element came in time.
    public struct Timeout: Error, CustomStringConvertible {
        public let description = "timed out waiting for an event"

        public init() {}
    }

    /// The sender finished, with an error if it failed.
    public struct Closed: Error, CustomStringConvertible {
        public let failure: (any Error)?
        public var description: String { "the stream ended" + (self.failure.map { ": \($0)" } ?? "") }
    }

    private var buffer: [Element] = []
    private var closed: Closed?
    private var waiter: (id: Int, continuation: CheckedContinuation<Element?, Never>)?
    private var waiterCount = 0

    public func push(_ element: Element) {
        if let waiter = self.waiter {
            self.waiter = nil
            waiter.continuation.resume(returning: element)
        } else {
            self.buffer.append(element)
        }
    }

    public func finish(failure: (any Error)? = nil) {
        self.closed = Closed(failure: failure)
        self.waiter?.continuation.resume(returning: nil)
        self.waiter = nil
    }

    /// Whether the sender has finished.
    public var isClosed: Bool { self.closed != nil }

    /// The next element; throws ``Timeout`` or ``Closed``.
    public func next(timeout: Duration = .seconds(5)) async throws -> Element {
        if !self.buffer.isEmpty { return self.buffer.removeFirst() }
        if let closed = self.closed { throw closed }
        self.waiterCount += 1
        let id = self.waiterCount
        let timer = Task {
            try await Task.sleep(for: timeout)
            self.expire(id)
        }
        let element = await withCheckedContinuation { self.waiter = (id, $0) }
        timer.cancel()
        if let element { return element }
        throw self.closed ?? Closed(failure: Timeout())
    }

    /// The first element that `match` accepts, skipping the others.
    public func first<T>(timeout: Duration = .seconds(5), _ match: (Element) -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            let element = try await self.next(timeout: deadline - ContinuousClock.now)
            if let value = match(element) { return value }
        }
    }

    private func expire(_ id: Int) {
        guard let waiter = self.waiter, waiter.id == id else { return }
        self.waiter = nil
        if self.closed == nil { self.closed = nil }
        waiter.continuation.resume(returning: nil)
    }
}
