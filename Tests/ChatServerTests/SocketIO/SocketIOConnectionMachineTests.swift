import Testing

@testable import ChatServer

@Suite("Socket.IO connection machine")
struct SocketIOConnectionMachineTests {
    @Test("CONNECT with auth data: the token is checked, then 40{sid}; events follow with their ack ids")
    func connectWithAuth() {
        var machine = SocketIOConnectionMachine(handshakeToken: "from-header")
        #expect(machine.received("0{\"token\":\"abc\"}") == .authenticate(token: "abc"), "the CONNECT data wins over the header")
        #expect(machine.authenticated(socketID: "s1") == .send([SocketIOPacket(kind: .connect, json: "{\"sid\":\"s1\"}")]))
        #expect(machine.received("21[\"room:join\",\"g1\"]") == .handle(name: "room:join", arguments: ["\"g1\""], ackID: 1))
        #expect(machine.received("20[\"message:send\",{}]") == .handle(name: "message:send", arguments: ["{}"], ackID: 0))
        #expect(machine.received("2[\"typing\",{\"groupId\":\"g1\"}]") == .handle(name: "typing", arguments: ["{\"groupId\":\"g1\"}"], ackID: nil))
        #expect(machine.received("1") == .close(sending: []))
        #expect(machine.state == .closed)
    }

    @Test("the header's token serves a CONNECT without one (40 from JS, 40{} from Python); none at all is refused")
    func headerToken() {
        for connect in ["0", "0{}"] {
            var machine = SocketIOConnectionMachine(handshakeToken: "from-header")
            #expect(machine.received(connect) == .authenticate(token: "from-header"))
        }
        var anonymous = SocketIOConnectionMachine(handshakeToken: nil)
        #expect(anonymous.received("0{}") == .close(sending: [.connectError("unauthorized")]))
        var refused = SocketIOConnectionMachine(handshakeToken: nil)
        #expect(refused.received("0{\"token\":\"bad\"}") == .authenticate(token: "bad"))
        #expect(refused.refused() == .close(sending: [.connectError("unauthorized")]))
        #expect(refused.received("2[\"typing\",{}]") == .none, "nothing after the refusal")
    }

    @Test("another namespace gets Invalid namespace, and the default one can still connect")
    func otherNamespace() {
        var machine = SocketIOConnectionMachine(handshakeToken: "t")
        #expect(machine.received("0/admin,{}") == .send([.connectError("Invalid namespace", namespace: "/admin")]))
        #expect(machine.received("0") == .authenticate(token: "t"))
    }

    @Test("protocol errors close: an event before CONNECT, malformed packets, binary; acks from the client are ignored")
    func protocolErrors() {
        var early = SocketIOConnectionMachine(handshakeToken: "t")
        #expect(early.received("2[\"typing\",{}]") == .close(sending: []))
        var malformed = SocketIOConnectionMachine(handshakeToken: "t")
        _ = malformed.received("0")
        _ = malformed.authenticated(socketID: "s")
        #expect(malformed.received("31[]") == .none)
        #expect(malformed.received("2{}") == .close(sending: []))
        var binary = SocketIOConnectionMachine(handshakeToken: "t")
        _ = binary.received("0")
        _ = binary.authenticated(socketID: "s")
        #expect(binary.received("51-[\"x\",{\"_placeholder\":true,\"num\":0}]") == .close(sending: [SocketIOPacket(kind: .disconnect)]))
    }

    @Test("a CONNECT that never comes times out; the server can disconnect a connected client with 41")
    func timeoutsAndServerDisconnect() {
        var silent = SocketIOConnectionMachine(handshakeToken: nil)
        #expect(silent.connectTimedOut() == .close(sending: []))
        var connected = SocketIOConnectionMachine(handshakeToken: "t")
        _ = connected.received("0")
        _ = connected.authenticated(socketID: "s")
        #expect(connected.connectTimedOut() == .none)
        #expect(connected.serverDisconnect() == .close(sending: [SocketIOPacket(kind: .disconnect)]))
        #expect(connected.serverDisconnect() == .none)
    }
}
