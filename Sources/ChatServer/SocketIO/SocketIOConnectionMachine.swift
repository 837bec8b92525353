import Foundation

/// The Socket.IO layer of one Engine.IO session, without I/O: the CONNECT to the default namespace and its
/// authentication, then client events in, until a DISCONNECT. Each input is one `mutating` method returning
/// what the I/O layer must do.
struct SocketIOConnectionMachine: Sendable {
    enum State: Sendable, Hashable {
        /// Waiting for the client's CONNECT (the reference server gives up after 45 s).
        case awaitingConnect
        /// CONNECT received; the token is being checked.
        case authenticating
        case connected
        case closed
    }

    enum Action: Sendable, Hashable {
        case none
        /// Check this token (from the CONNECT data, else the handshake's `Authorization` header); then call
        /// ``authenticated()`` or ``refused()``.
        case authenticate(token: String)
        /// Send these Socket.IO packets to the client, in order.
        case send([SocketIOPacket])
        /// Hand a client event on, with the ack id the client asked for.
        case handle(name: String, arguments: [String], ackID: Int?)
        /// Send `packets`, then end the Engine.IO session.
        case close(sending: [SocketIOPacket])
    }

    private(set) var state: State = .awaitingConnect
    /// The token of the handshake request's `Authorization: Bearer` header, used when CONNECT carries none.
    let handshakeToken: String?

    init(handshakeToken: String?) {
        self.handshakeToken = handshakeToken
    }

    /// One Engine.IO message from the client.
    mutating func received(_ text: String) -> Action {
        guard self.state != .closed else { return .none }
        let packet: SocketIOPacket
        do {
            packet = try SocketIOPacket.decode(text)
        } catch {
            self.state = .closed
            return .close(sending: [])
        }
        switch (self.state, packet.kind) {
        case (.awaitingConnect, .connect):
            guard packet.namespace == "/" else {
                return .send([.connectError("Invalid namespace", namespace: packet.namespace)])
            }
            guard let token = Self.token(in: packet.json) ?? self.handshakeToken, !token.isEmpty else {
                self.state = .closed
                return .close(sending: [.connectError("unauthorized")])
            }
            self.state = .authenticating
            return .authenticate(token: token)
        case (.connected, .event) where packet.namespace == "/":
            guard let (name, arguments) = packet.eventArguments() else {
                self.state = .closed
                return .close(sending: [])
            }
            return .handle(name: name, arguments: arguments, ackID: packet.ackID)
        case (.connected, .disconnect) where packet.namespace == "/":
            self.state = .closed
            return .close(sending: [])
        case (_, .ack):
            // The server asks for no acks; one that comes anyway is ignored.
            return .none
        case (_, .binaryEvent), (_, .binaryAck):
            // Chat needs no binary: refused with a clean close.
            self.state = .closed
            return .close(sending: [SocketIOPacket(kind: .disconnect)])
        default:
            self.state = .closed
            return .close(sending: [])
        }
    }

    /// An Engine.IO binary message: chat needs none, so it is refused with a clean close.
    mutating func receivedBinary() -> Action {
        guard self.state != .closed else { return .none }
        self.state = .closed
        return .close(sending: [SocketIOPacket(kind: .disconnect)])
    }

    /// The token held: the client is connected under `socketID`.
    mutating func authenticated(socketID: String) -> Action {
        // The client may have broken the protocol (and been closed) while its token was being checked.
        guard self.state == .authenticating else { return .none }
        self.state = .connected
        return .send([SocketIOPacket(kind: .connect, json: "{\"sid\":\"\(socketID)\"}")])
    }

    /// The token did not hold: `44{"message":"unauthorized"}`, after which clients do not reconnect.
    mutating func refused() -> Action {
        guard self.state == .authenticating else { return .none }
        self.state = .closed
        return .close(sending: [.connectError("unauthorized")])
    }

    /// No CONNECT came in time.
    mutating func connectTimedOut() -> Action {
        guard self.state == .awaitingConnect else { return .none }
        self.state = .closed
        return .close(sending: [])
    }

    /// The server ends the connection (an ended token, shutdown): `41`, after which clients do not reconnect.
    mutating func serverDisconnect() -> Action {
        guard self.state == .connected else { return .none }
        self.state = .closed
        return .close(sending: [SocketIOPacket(kind: .disconnect)])
    }

    /// The `token` string of CONNECT's data object, if there is one.
    private static func token(in json: String?) -> String? {
        struct Auth: Decodable {
            let token: String?
        }
        guard let json else { return nil }
        return (try? JSONDecoder().decode(Auth.self, from: Data(json.utf8)))?.token
    }
}
