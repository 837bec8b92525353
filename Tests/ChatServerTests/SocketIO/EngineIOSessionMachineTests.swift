import Testing

@testable import ChatServer

@Suite("Engine.IO session machine")
struct EngineIOSessionMachineTests {
    private static let connected = EngineIOPacket.message("0{\"sid\":\"s1\"}")

    @Test("polling: an empty queue holds the GET; a packet releases it; at most 16 packets per answer")
    func polling() {
        var machine = EngineIOSessionMachine()
        #expect(machine.pollRequested() == .holdPoll)
        #expect(machine.send([Self.connected]) == .answerPoll("40{\"sid\":\"s1\"}"))
        #expect(machine.send((0..<20).map { .message("2[\"m\($0)\"]") }) == .none, "no poll is held")
        guard case .answerPoll(let first) = machine.pollRequested() else {
            Issue.record("a poll should be answered at once")
            return
        }
        #expect(first.split(separator: "\u{1E}").count == 16)
        #expect(machine.pollRequested() == .answerPoll((16..<20).map { "42[\"m\($0)\"]" }.joined(separator: "\u{1E}")))
        #expect(machine.pollRequested() == .holdPoll)
    }

    @Test("a POST hands its messages on; a pong is swallowed; close ends the session")
    func posting() {
        var machine = EngineIOSessionMachine()
        let (messages, action) = machine.posted([.message("0{\"token\":\"abc\"}"), .pong(""), .message("21[\"room:join\",\"g\"]")])
        #expect(messages == [.message("0{\"token\":\"abc\"}"), .message("21[\"room:join\",\"g\"]")])
        #expect(action == .none)
        #expect(machine.posted([.close]).action == .close(reason: .clientClosed))
        #expect(machine.pollRequested() == .refuse(.unknownSession, thenClose: false))
    }

    @Test("a second GET while one is held closes the session; a client ping is a protocol error")
    func protocolErrors() {
        var machine = EngineIOSessionMachine()
        #expect(machine.pollRequested() == .holdPoll)
        #expect(machine.pollRequested() == .close(reason: .duplicatePoll))
        #expect(machine.isClosed)
        var other = EngineIOSessionMachine()
        guard case .close(.protocolError) = other.posted([.ping("")]).action else {
            Issue.record("a client ping must close")
            return
        }
        #expect(other.isClosed)
    }

    @Test("heartbeat: the server pings each interval; a missing pong ends the session at the next one")
    func heartbeat() {
        var machine = EngineIOSessionMachine()
        #expect(machine.pollRequested() == .holdPoll)
        #expect(machine.pingTimerFired() == .answerPoll("2"))
        _ = machine.posted([.pong("")])
        #expect(machine.pingTimerFired() == .none, "queued for the next poll")
        #expect(machine.pollRequested() == .answerPoll("2"))
        #expect(machine.pingTimerFired() == .close(reason: .pingTimeout))

        var answered = EngineIOSessionMachine(webSocket: true)
        #expect(answered.pingTimerFired() == .sendOnWebSocket([.ping("")]))
        _ = answered.webSocketReceived(.pong(""))
        #expect(answered.pongDeadlinePassed() == .none, "the pong came in time")
        #expect(answered.pingTimerFired() == .sendOnWebSocket([.ping("")]))
        #expect(answered.pongDeadlinePassed() == .close(reason: .pingTimeout))
    }

    @Test("upgrade as the JS client does it: a held poll released after 3probe, packets buffered until 5, then flushed")
    func upgradeJavaScriptOrder() {
        var machine = EngineIOSessionMachine()
        #expect(machine.pollRequested() == .holdPoll)
        #expect(machine.probeOpened() == .none)
        #expect(machine.probeOpened() == .refuse(.badRequest, thenClose: false), "one probe at a time")
        #expect(machine.probeReceived(.ping("probe")) == .probed(releasePoll: true))
        #expect(machine.send([Self.connected]) == .none, "buffered during the probe")
        #expect(machine.posted([.message("2[\"typing\",{}]")]).messages.count == 1, "POSTs still work during the probe")
        #expect(machine.pollRequested() == .holdPoll)
        #expect(machine.probeReceived(.upgrade) == .upgraded(flush: [Self.connected], releasePoll: true))
        #expect(machine.pollRequested() == .refuse(.badRequest, thenClose: false), "no polling after the upgrade")
        #expect(machine.send([.message("2[\"x\"]")]) == .sendOnWebSocket([.message("2[\"x\"]")]))
        #expect(machine.webSocketReceived(.message("1")).messages == [.message("1")])
    }

    @Test("upgrade as the Python client does it: no poll pending, 5 right after 3probe")
    func upgradePythonOrder() {
        var machine = EngineIOSessionMachine()
        #expect(machine.send([Self.connected]) == .none)
        #expect(machine.probeOpened() == .none)
        #expect(machine.probeReceived(.ping("probe")) == .probed(releasePoll: false))
        #expect(machine.probeReceived(.upgrade) == .upgraded(flush: [Self.connected], releasePoll: false))
    }

    @Test("a probe that sends anything else is closed, and the session goes on polling")
    func failedProbe() {
        var machine = EngineIOSessionMachine()
        #expect(machine.probeOpened() == .none)
        #expect(machine.probeReceived(.message("hi")) == .closeProbe)
        #expect(machine.send([Self.connected]) == .none)
        #expect(machine.pollRequested() == .answerPoll("40{\"sid\":\"s1\"}"))
        #expect(machine.probeOpened() == .none)
        #expect(machine.probeReceived(.upgrade) == .closeProbe, "5 before 2probe")
        #expect(machine.probeOpened() == .none)
        machine.probeEnded()
        #expect(machine.pollRequested() == .holdPoll)
    }

    @Test("WebSocket only: no polling, frames go straight out, and the server can end the session")
    func webSocketOnly() {
        var machine = EngineIOSessionMachine(webSocket: true)
        #expect(machine.pollRequested() == .refuse(.badRequest, thenClose: false))
        #expect(machine.probeOpened() == .refuse(.badRequest, thenClose: false))
        #expect(machine.send([Self.connected]) == .sendOnWebSocket([Self.connected]))
        #expect(machine.webSocketReceived(.pong("")).action == .none)
        #expect(machine.serverClose() == .close(reason: .serverClosed))
        #expect(machine.serverClose() == .none)
        #expect(machine.send([Self.connected]) == .none)
    }
}
