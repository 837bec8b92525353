import AsyncHTTPClient
import ChatTestSupport
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Engine.IO over real HTTP: raw polling requests (each on its own connection, so that a held GET does not block
/// a POST), for checking the wire exchanges byte for byte.
final class EngineIOPolling: Sendable {
    let port: Int
    /// Per sid, the packets of a poll answer that ``first(_:timeout:where:)`` has not reached yet.
    private let unread = Mutex<[String: [String]]>([:])

    init(port: Int) {
        self.port = port
    }

    struct Answer: Sendable {
        let status: Int
        let body: String
        let headers: HTTPHeaders

        /// The JSON error body of a refusal.
        var engineError: (code: Int, message: String)? {
            guard let object = try? JSONSerialization.jsonObject(with: Data(self.body.utf8)) as? [String: Any],
                let code = object["code"] as? Int, let message = object["message"] as? String
            else { return nil }
            return (code, message)
        }
    }

    func request(_ method: HTTPMethod, query: String, body: String? = nil, headers: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(self.port)/socket.io/?\(query)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "text/plain;charset=UTF-8")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return Answer(status: Int(response.status.code), body: String(buffer: bytes), headers: response.headers)
    }

    /// A handshake: the session id and the open packet's fields.
    func handshake(headers: [(String, String)] = []) async throws -> (sid: String, open: [String: Any]) {
        let answer = try await self.request(.GET, query: "EIO=4&transport=polling&t=abc", headers: headers)
        guard answer.status == 200, answer.body.first == "0",
            let open = try JSONSerialization.jsonObject(with: Data(answer.body.dropFirst().utf8)) as? [String: Any],
            let sid = open["sid"] as? String
        else { throw EngineIOTestError("bad handshake: \(answer.status) \(answer.body)") }
        return (sid, open)
    }

    func poll(_ sid: String) async throws -> Answer {
        try await self.request(.GET, query: "EIO=4&transport=polling&sid=\(sid)")
    }

    /// The packets of the next poll answer (joined by `\u{1E}`), which must be a 200.
    func packets(_ sid: String) async throws -> [String] {
        let answer = try await self.poll(sid)
        guard answer.status == 200 else { throw EngineIOTestError("poll answered \(answer.status) \(answer.body)") }
        return answer.body.split(separator: "\u{1E}", omittingEmptySubsequences: false).map(String.init)
    }

    @discardableResult
    func post(_ sid: String, _ packets: String...) async throws -> Answer {
        try await self.request(.POST, query: "EIO=4&transport=polling&sid=\(sid)", body: packets.joined(separator: "\u{1E}"))
    }

    /// Polls until a packet passes `match`, answering pings, within the deadline.
    func first(_ sid: String, timeout: Duration = .seconds(10), where match: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var batch = self.unread.withLock { $0.removeValue(forKey: sid) ?? [] }
            if batch.isEmpty { batch = try await self.packets(sid) }
            while !batch.isEmpty {
                let packet = batch.removeFirst()
                if packet == "2" { try await self.post(sid, "3") }
                if match(packet) {
                    // The rest of the answer waits for the next call.
                    self.unread.withLock { $0[sid] = batch }
                    return packet
                }
            }
        }
        throw EngineIOTestError("no matching packet in time")
    }
}

/// A raw WebSocket to `/socket.io/`: every text frame it receives, and text to send.
final class EngineIOSocket: Sendable {
    let inbox = Inbox<String>()
    private let outgoing: AsyncStream<String>.Continuation
    private let task: Task<WebSocketCloseFrame?, any Error>

    init(port: Int, query: String, headers: HTTPFields = [:]) {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        self.outgoing = continuation
        self.task = TestWebSocket.run(
            url: "ws://127.0.0.1:\(port)/socket.io/?\(query)",
            headers: headers,
            label: "eio-probe",
            outgoing: stream,
            into: self.inbox
        ) { $0 }
    }

    func send(_ text: String) {
        self.outgoing.yield(text)
    }

    /// The next frame that passes `match`, answering pings on the way.
    func first(timeout: Duration = .seconds(10), where match: @escaping @Sendable (String) -> Bool) async throws -> String {
        try await self.inbox.first(timeout: timeout) { frame -> String? in
            if frame == "2" { self.send("3") }
            return match(frame) ? frame : nil
        }
    }

    @discardableResult
    func close() async -> WebSocketCloseFrame? {
        self.outgoing.finish()
        return try? await self.task.value
    }

    /// Waits for the server to end the connection.
    func closed() async throws -> WebSocketCloseFrame? {
        try await self.task.value
    }
}

struct EngineIOTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
