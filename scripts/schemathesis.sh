#!/usr/bin/env bash
# Property-based API test: schemathesis (from PyPI) against a running gateway on a temp copy of
# the demo catalogue. Checks: no 5xx caused by input, responses match /openapi.json.
# Usage: scripts/schemathesis.sh [max-examples per operation, default 30]
set -euo pipefail
cd "$(dirname "$0")/.."
MAX="${1:-30}"
VENV=target/schemathesis/venv
if [ ! -x "$VENV/bin/schemathesis" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q schemathesis
fi
# Built as `cargo test` builds it (dev-dependencies' features unified), so CI compiles the
# dependencies once for the gateway and the tests instead of twice.
cargo build -q --tests
WORK="$(mktemp -d)"
cp -r dxgate.toml policies schemas seeds "$WORK"/
LOG="$WORK/gateway.log"
DXGATE_LISTEN=127.0.0.1:0 RUST_LOG=warn target/debug/dxgate serve --config "$WORK" >"$WORK/out" 2>"$LOG" &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do
    URL="$(sed -n 's/^dxgate listening on //p' "$WORK/out" | head -1)"
    [ -n "$URL" ] && break
    sleep 0.2
done
[ -n "${URL:-}" ] || { echo "gateway did not start"; cat "$LOG"; exit 1; }
echo "gateway at $URL"
# The oversight key sees every endpoint; Data-Purpose is required on data requests.
"$VENV/bin/schemathesis" run "$URL/openapi.json" \
    --url "$URL" \
    -H "Authorization: Bearer demo-oversight-key" \
    --max-examples "$MAX" \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance \
    --exclude-checks negative_data_rejection,positive_data_acceptance \
    --request-timeout 20 \
    --no-color
