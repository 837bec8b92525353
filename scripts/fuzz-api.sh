#!/usr/bin/env bash
# Fuzzes the HTTP API with schemathesis against a live chat-server, checking that it never answers 5xx, that
# every response matches the OpenAPI document, and that every status is one the document lists.
# Usage: scripts/fuzz-api.sh [MAX_SECONDS]   (needs: pip install schemathesis; a built chat-server)
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_TIME=${1:-240}
BIN=$(swift build --show-bin-path)/chat-server
WORK=$(mktemp -d /tmp/chat-fuzz.XXXXXX)
PORT=${FUZZ_PORT:-47123}
( cd "$WORK" && RATE_LIMITS=off JWT_SECRET=fuzz-secret-that-is-at-least-32-bytes! LOG_LEVEL=warning \
    DATABASE_URL=sqlite://./fuzz.sqlite PORT=$PORT exec "$BIN" ) > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
# A real token, and a group of the fuzzer's with messages and a reaction, so that authenticated operations get
# past the door: most generated requests name that group and its first message; the rest, random ones.
TOKEN=$(curl -fs -X POST "$BASE/auth/guest" -d '{"displayName":"Fuzzer"}' | json '["token"]')
AUTH="Authorization: Bearer $TOKEN"
GROUP=$(curl -fs -X POST "$BASE/groups" -H "$AUTH" -d '{"name":"Fuzzed"}' | json '["id"]')
MESSAGE=$(curl -fs -X POST "$BASE/groups/$GROUP/messages" -H "$AUTH" -d '{"text":"fuzz me"}' | json '["id"]')
curl -fs -X POST "$BASE/groups/$GROUP/messages" -H "$AUTH" -d "{\"text\":\"a reply\",\"replyTo\":\"$MESSAGE\"}" >/dev/null
curl -fs -X PUT "$BASE/groups/$GROUP/messages/$MESSAGE/reactions/%F0%9F%91%8D" -H "$AUTH" >/dev/null
cat > "$WORK/schemathesis.toml" <<TOML
[dictionaries]
groups = { values = ["$GROUP"] }
messages = { values = ["$MESSAGE"] }

[parameters]
"path.id" = { dictionary = "groups", probability = 0.7 }
"path.messageId" = { dictionary = "messages", probability = 0.7 }
TOML
# Signing out everywhere and deleting the account end the token they are called with: the main run leaves them
# out, and a short last run fuzzes them with tokens of their own (a guest's, then an account's with a password).
ENDING='^(deleteAccount|logoutAll)$'
fuzz() {
    schemathesis --config-file "$WORK/schemathesis.toml" run openapi.json --url "$BASE" \
        --checks not_a_server_error,response_schema_conformance,status_code_conformance \
        --workers 2 --request-timeout 10 --suppress-health-check all --warnings off "$@"
}
fuzz --header "$AUTH" --exclude-operation-id-regex "$ENDING" --max-time "$MAX_TIME"
for body in '{"displayName":"Leaver"}' '{"email":"leaver@example.org","password":"correct horse battery","displayName":"Leaver"}'; do
    route=guest; [[ $body == *email* ]] && route=register
    LEAVER=$(curl -fs -X POST "$BASE/auth/$route" -d "$body" | json '["token"]')
    fuzz --header "Authorization: Bearer $LEAVER" --include-operation-id-regex "$ENDING" --max-time 20
done
