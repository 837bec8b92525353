import ChatCore
import NIOCore
import Synchronization

/// How one transport puts a server event on the wire (`/ws` JSON frames, Socket.IO `42[…]` packets).
protocol EventEncoding {
    static func encode(_ event: ServerEvent) -> ByteBuffer
}

/// A server event on its way to many connections. The hub routes the typed value; each connection's edge asks
/// for its transport's bytes, which are encoded once, on first use, and shared by every connection of that
/// transport.
public final class OutgoingEvent: Sendable {
    public let event: ServerEvent
    /// A few entries at most (one per transport), so a list beats a dictionary.
    private let encodings = Mutex<[(ObjectIdentifier, ByteBuffer)]>([])

    public init(_ event: ServerEvent) {
        self.event = event
    }

    /// The event in `encoding`'s wire form.
    func encoded<E: EventEncoding>(as encoding: E.Type) -> ByteBuffer {
        let key = ObjectIdentifier(encoding)
        if let cached = self.encodings.withLock({ list in list.first { $0.0 == key }?.1 }) { return cached }
        // Encoded outside the lock: two edges racing encode twice, and the first result is kept.
        let bytes = E.encode(self.event)
        return self.encodings.withLock { list in
            if let cached = list.first(where: { $0.0 == key })?.1 { return cached }
            list.append((key, bytes))
            return bytes
        }
    }
}

/// `/ws`: one JSON text frame per event, `{"type": …, "data": …}`.
enum WebSocketEncoding: EventEncoding {
    static func encode(_ event: ServerEvent) -> ByteBuffer {
        do {
            return ByteBuffer(bytes: try ChatJSON.encoder.encode(event))
        } catch {
            return ByteBuffer(string: #"{"type":"error","data":{"code":"internal_error","message":"Could not encode an event."}}"#)
        }
    }
}
