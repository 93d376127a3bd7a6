#!/usr/bin/env bash
# GraphQL fuzzing of the served schema with schemathesis (from PyPI): every query and mutation
# gets generated arguments, valid and invalid, anonymously and as an admin; any 5xx answer or
# panic fails the run. It starts its own server on a fresh SQLite folder.
#
#   tests/fuzz/graphql.sh [examples per operation, default 25]
#
# CI runs it with a small number so it cannot rot; the full run is part of the issue 8 suite.
set -euo pipefail
cd "$(dirname "$0")/../.."

EXAMPLES="${1:-25}"
SCHEMATHESIS_VERSION=4.32.5
VENV=target/fuzz-venv
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi

cargo build --quiet -p becta-api
BECTA=target/debug/becta
DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LOG="$DATA/server.log"
export BECTA_DATA_DIR="$DATA" BECTA_LISTEN="127.0.0.1:$PORT" \
  BECTA_RATE_MUTATIONS_PER_MINUTE=0 BECTA_RATE_MUTATIONS_PER_ADDRESS=0 BECTA_RATE_SEARCHES_PER_MINUTE=0 \
  BECTA_SWEEPER=false
"$BECTA" serve > "$LOG" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DATA"; }
trap cleanup EXIT
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null

ADMIN=$("$BECTA" token --role ADMIN --ttl 2h)
# schemathesis counts any GraphQL `errors` entry as a failure, including the typed refusals
# this API is meant to give (UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT...). What must never
# happen is a 5xx, or an error coded INTERNAL: the HAR of every exchange is checked for those.
status=0
for who in anonymous admin; do
  echo "=== schemathesis as $who, $EXAMPLES examples per operation"
  auth=()
  [ "$who" = admin ] && auth=(-H "Authorization: Bearer $ADMIN")
  "$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/graphql" \
    --max-examples "$EXAMPLES" --continue-on-failure --workers 2 --generation-deterministic --no-color \
    --report har --report-har-path "$DATA/$who.har" "${auth[@]}" > "$DATA/$who.out" 2>&1 || true
  grep -E "generated|API Operations|Tested:|Errored:" "$DATA/$who.out" || true
  python3 - "$DATA/$who.har" <<'PY' || status=1
import json, sys
entries = json.load(open(sys.argv[1]))["log"]["entries"]
bad, codes = [], {}
for e in entries:
    st = e["response"]["status"]
    text = e["response"]["content"].get("text") or ""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    errs = body.get("errors", []) if isinstance(body, dict) else []
    for err in errs:
        c = (err.get("extensions") or {}).get("code", "none")
        codes[c] = codes.get(c, 0) + 1
    if st >= 500 or any((err.get("extensions") or {}).get("code") == "INTERNAL" for err in errs):
        bad.append((st, e["request"].get("postData", {}).get("text", "")[:300], text[:300]))
print(f"{len(entries)} requests; error codes: {dict(sorted(codes.items()))}")
for b in bad[:10]:
    print("SERVER ERROR", b)
sys.exit(1 if bad else 0)
PY
done
if grep -q "panicked" "$LOG"; then
  echo "the server panicked:"; grep -A3 "panicked" "$LOG"; status=1
fi
exit $status
