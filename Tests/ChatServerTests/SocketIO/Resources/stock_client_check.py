"""Drives chat-server's /socket.io/ with the stock python-socketio client (from PyPI), beside a /ws client.

Usage: stock_client_check.py URL TOKEN_A TOKEN_B GROUP_ID
A and B are members of GROUP_ID. Prints one "ok ..." line per check; exits 1 at the first failure.
Every wait has a deadline: nothing here sleeps to synchronise.
"""
import json
import queue
import sys
import uuid

import socketio
import websocket

URL, TOKEN_A, TOKEN_B, GROUP = sys.argv[1:5]
DEADLINE = 15


def fail(message):
    print("FAIL " + message, flush=True)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


class Chat:
    """A python-socketio client that records every chat event it receives."""

    def __init__(self):
        self.client = socketio.Client(reconnection=False)
        self.events = queue.Queue()
        self.client.on("*", lambda name, data: self.events.put((name, data)))

    def connect(self, transports=None, auth=None, headers=None):
        self.client.connect(URL, transports=transports, auth=auth, headers=headers or {}, wait_timeout=DEADLINE)

    def next(self, name, where=lambda data: True):
        """The next event called `name` whose data passes `where`, within the deadline."""
        while True:
            try:
                got, data = self.events.get(timeout=DEADLINE)
            except queue.Empty:
                fail("no %s event within %ss" % (name, DEADLINE))
            if got == name and where(data):
                return data


class WsClient:
    """A plain /ws client (websocket-client), to check fan-out across the two endpoints."""

    def __init__(self, token):
        ws_url = URL.replace("http://", "ws://") + "/ws"
        self.ws = websocket.create_connection(ws_url, header=["Authorization: Bearer " + token], timeout=DEADLINE)
        self.next("ready")

    def next(self, kind, where=lambda data: True):
        while True:
            try:
                frame = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                fail("/ws: no %s event within %ss" % (kind, DEADLINE))
            if frame["type"] == kind and where(frame["data"]):
                return frame["data"]

    def send(self, text):
        client_id = str(uuid.uuid4())
        self.ws.send(json.dumps({"type": "message:send", "data": {"groupId": GROUP, "text": text, "clientId": client_id}}))
        return client_id


def check_setup(label, transports, expected_transport, auth_in_header):
    chat = Chat()
    if auth_in_header:
        chat.connect(transports=transports, headers={"Authorization": "Bearer " + TOKEN_A})
    else:
        chat.connect(transports=transports, auth={"token": TOKEN_A})
    ready = chat.next("ready")
    expect(any(group["id"] == GROUP for group in ready["groups"]), label + ": ready lists the group")
    if expected_transport == "websocket" and transports is None:
        # The upgrade from polling happens right after the handshake; it is done once an event crossed it.
        chat.client.call("room:join", {"groupId": GROUP}, timeout=DEADLINE)
    expect(chat.client.transport() == expected_transport,
           "%s: transport is %s, expected %s" % (label, chat.client.transport(), expected_transport))
    print("ok %s: connected (%s), ready received" % (label, chat.client.transport()), flush=True)

    joined = chat.client.call("room:join", {"groupId": GROUP}, timeout=DEADLINE)
    expect(joined == {"groupId": GROUP}, "%s: room:join ack was %r" % (label, joined))
    joined = chat.client.call("room:join", GROUP, timeout=DEADLINE)
    expect(joined == {"groupId": GROUP}, "%s: room:join with a bare id acked %r" % (label, joined))
    print("ok %s: room:join acked, object and bare-string forms" % label, flush=True)

    ws = WsClient(TOKEN_B)
    client_id = str(uuid.uuid4())
    text = "from socket.io over %s" % label
    ack = chat.client.call("message:send", {"groupId": GROUP, "text": text, "clientId": client_id}, timeout=DEADLINE)
    expect(ack["clientId"] == client_id and ack["message"]["text"] == text, "%s: message:send ack was %r" % (label, ack))
    seen = ws.next("message:new", lambda data: data["id"] == ack["message"]["id"])
    expect(seen["text"] == text, "%s: /ws received %r" % (label, seen))
    print("ok %s: message:send acked with the stored message, and fanned out to /ws" % label, flush=True)

    refused = chat.client.call("message:send", {"groupId": "no-such-group", "text": "x", "clientId": str(uuid.uuid4())},
                               timeout=DEADLINE)
    expect("error" in refused and refused["error"]["code"], "%s: a refused send acked %r" % (label, refused))
    print("ok %s: a refused send is acked with {error: {code, message}}" % label, flush=True)

    sent = ws.send("from /ws to %s" % label)
    seen = chat.next("message:new", lambda data: data.get("clientId") == sent or data["text"] == "from /ws to %s" % label)
    expect(seen["groupId"] == GROUP, "%s: socket.io received %r" % (label, seen))
    ws.next("message:ack", lambda data: data["clientId"] == sent)
    print("ok %s: a /ws message reached the Socket.IO client as message:new" % label, flush=True)

    # Without an ack id, the answer comes as the event /ws sends.
    chat.client.emit("room:join", {"groupId": GROUP})
    chat.next("room:joined", lambda data: data["groupId"] == GROUP)
    print("ok %s: room:join without an ack gets room:joined" % label, flush=True)

    ws.ws.close()
    chat.client.disconnect()


check_setup("polling then websocket (the default)", None, "websocket", auth_in_header=False)
check_setup("websocket only", ["websocket"], "websocket", auth_in_header=False)
check_setup("polling only", ["polling"], "polling", auth_in_header=False)
check_setup("websocket only, token in the header", ["websocket"], "websocket", auth_in_header=True)
check_setup("polling only, token in the header", ["polling"], "polling", auth_in_header=True)

for transports in (["polling"], ["websocket"]):
    refused = Chat()
    try:
        refused.connect(transports=transports, auth={"token": "not-a-token"})
        fail("a bad token connected over %s" % transports)
    except socketio.exceptions.ConnectionError as error:
        print("ok a bad token is refused over %s: %s" % (transports[0], error), flush=True)
    finally:
        refused.client.disconnect()

print("all checks passed", flush=True)
