import NIOCore
import NIOWebSocket
import Synchronization

/// Writes a `/ws` connection's event frames straight to its channel, on the channel's event loop.
///
/// The hub queues frames here under its lock; the connections that got new frames are then drained in one task
/// per event loop, each writing all of its frames and flushing once. No task per socket wakes on the shared
/// pool for a delivery. The queue stays bounded: frames count as outstanding from the moment they are queued
/// until the socket has taken them, and a connection past its limit (a reader that stopped reading) is cut off.
final class DirectSocketWriter: Sendable {
    private struct State {
        var pending: [ByteBuffer] = []
        var scheduled = false
        /// Frames queued or written but not yet taken by the socket.
        var outstanding = 0
        /// A close to hand to the session's writer once the frames before it are written.
        var close: RealtimeHub.Outgoing?

        /// Notes that a drain is due; true when none was pending, so one must be scheduled.
        mutating func needsDrain() -> Bool {
            defer { self.scheduled = true }
            return !self.scheduled
        }
    }

    let channel: any Channel
    private let limit: Int
    private let state = Mutex(State())
    /// Hands a close to the session's writer, which runs the WebSocket close handshake.
    private let passClose: @Sendable (RealtimeHub.Outgoing) -> Void

    init(channel: any Channel, limit: Int, passClose: @escaping @Sendable (RealtimeHub.Outgoing) -> Void) {
        self.channel = channel
        self.limit = limit
        self.passClose = passClose
    }

    /// Queues a close after the frames queued so far; returns whether a drain must be scheduled.
    func enqueueClose(_ close: RealtimeHub.Outgoing) -> Bool {
        self.state.withLock { state in
            if state.close == nil { state.close = close }
            return state.needsDrain()
        }
    }

    /// The frame of an event or of prepared bytes; nil for a close, which the session's writer carries out.
    static func frame(of outgoing: RealtimeHub.Outgoing) -> ByteBuffer? {
        switch outgoing {
        case .event(let event): event.encoded(as: WebSocketEncoding.self)
        case .frame(let bytes): bytes
        case .close: nil
        }
    }

    /// Queues a frame. Returns whether the connection is still within its limit, and whether a drain must be
    /// scheduled for it (none is pending yet).
    func enqueue(_ bytes: ByteBuffer) -> (withinLimit: Bool, schedule: Bool) {
        self.state.withLock { state in
            state.pending.append(bytes)
            state.outstanding += 1
            return (state.outstanding <= self.limit, state.needsDrain())
        }
    }

    /// Writes every queued frame and flushes once. Runs on the channel's event loop.
    func drain() {
        let (frames, close) = self.state.withLock { state in
            state.scheduled = false
            defer {
                state.pending.removeAll(keepingCapacity: true)
                state.close = nil
            }
            return (state.pending, state.close)
        }
        // The close goes after the frames: the session's writer reaches this event loop only later.
        defer { if let close { self.passClose(close) } }
        guard !frames.isEmpty else { return }
        guard self.channel.isActive else {
            self.state.withLock { $0.outstanding -= frames.count }
            return
        }
        // Writes complete in order: the last one's promise stands for the batch.
        let written = self.channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenComplete { _ in self.state.withLock { $0.outstanding -= frames.count } }
        for (index, bytes) in frames.enumerated() {
            let frame = WebSocketFrame(fin: true, opcode: .text, data: bytes)
            self.channel.write(frame, promise: index == frames.count - 1 ? written : nil)
        }
        self.channel.flush()
    }

    /// Drains `writers` with one task per event loop.
    static func drain(_ writers: [DirectSocketWriter]) {
        guard !writers.isEmpty else { return }
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, writers: [DirectSocketWriter])] = [:]
        for writer in writers {
            let loop = writer.channel.eventLoop
            byLoop[ObjectIdentifier(loop), default: (loop, [])].writers.append(writer)
        }
        for (_, entry) in byLoop {
            let batch = entry.writers
            entry.loop.execute { for writer in batch { writer.drain() } }
        }
    }
}
