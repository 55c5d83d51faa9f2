#!/usr/bin/env bash
# Side-by-side proxy benchmark on this machine, in one run:
#   1. the upstream directly (nginx serving a fixed JSON answer),
#   2. nginx as a reverse proxy to it (keep-alive upstream pool),
#   3. dxgate with API-key auth, policy, request + response schema checks and durable audit
#      on SQLite (WAL, synchronous=FULL), and
#   4. the same dxgate with the audit log on PostgreSQL (synchronous_commit on).
# Prints throughput and p50/p99 latency for each and the ratios to nginx.
#
# Usage: bench/proxy.sh [DURATION_SECONDS=15] [CONNECTIONS=64]
# Needs nginx and wrk (installed from Debian's packages if missing) and PostgreSQL on
# 127.0.0.1:5432 (skipped with a note if absent; override with DXGATE_BENCH_POSTGRES_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
DUR="${1:-15}"
CONN="${2:-64}"
THREADS=2
PG_ADMIN_URL="${DXGATE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
UP=18081; NGX=18082; DXS=18083; DXP=18084

for tool in nginx wrk; do
    if ! command -v "$tool" >/dev/null; then
        echo "installing $tool"; apt-get update -qq >/dev/null; apt-get install -y -qq nginx-light wrk >/dev/null
    fi
done
cargo build --release --quiet
BIN="$PWD/target/release/dxgate"

WORK="$(mktemp -d /tmp/dxgate-bench.XXXXXX)"
PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done
    [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    if [ -n "${PG_DB:-}" ]; then psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

BODY='{"enterprise_code":"0101234567","name":"Red River Trading JSC","status":"active","registered_on":"2008-03-14","address":"12 Trang Tien, Hoan Kiem, Capital City"}'
mkdir -p "$WORK/nginx"
cat > "$WORK/nginx.conf" <<NGINX
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx; fastcgi_temp_path $WORK/nginx;
    uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
    keepalive_requests 1000000;
    upstream agency { server 127.0.0.1:$UP; keepalive 128; }
    server {
        listen 127.0.0.1:$UP;
        location /registry { default_type application/json; return 200 '$BODY'; }
    }
    server {
        listen 127.0.0.1:$NGX;
        location / {
            proxy_pass http://agency;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
NGINX
nginx -c "$WORK/nginx.conf"

# A one-dataset catalogue for dxgate, pointing at the same upstream.
cfg() {
    local dir="$1" port="$2"
    mkdir -p "$dir/policies/agencies" "$dir/schemas"
    printf '[server]\nlisten = "127.0.0.1:%s"\nnode_id = "bench"\nreload_poll = "0s"\n' "$port" > "$dir/dxgate.toml"
    cp schemas/mof/business-registry.request.json "$dir/schemas/request.json"
    cp schemas/mof/business-registry.response.json "$dir/schemas/response.json"
    cat > "$dir/policies/consumers.toml" <<TOML
[[consumers]]
id = "bench"
name = "Benchmark client"
api_key_sha256 = "$(printf %s bench-key | sha256sum | cut -d' ' -f1)"
rate_per_second = 0
TOML
    cat > "$dir/policies/agencies/mof.toml" <<TOML
id = "mof"
name = "Ministry of Finance"
kind = "ministry"
[[datasets]]
id = "business-registry"
title = "Business registry"
request_schema = "request.json"
response_schema = "response.json"
[datasets.source]
kind = "http"
url = "http://127.0.0.1:$UP/registry"
max_concurrency = 256
[[datasets.refusals]]
consumers = ["nobody-in-particular"]
legal_basis = "Benchmark rule"
reason = "Evaluated on every request, never matches."
TOML
    cat >> "$dir/policies/consumers.toml" <<TOML
[[consumers]]
id = "nobody-in-particular"
name = "Never calls"
api_key_sha256 = "$(printf %s unused | sha256sum | cut -d' ' -f1)"
TOML
}

wait_port() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 did not open"; exit 1; }

cfg "$WORK/sqlite" "$DXS"
"$BIN" serve --config "$WORK/sqlite" > "$WORK/dx-sqlite.out" 2> "$WORK/dx-sqlite.log" & PIDS+=($!)
HAVE_PG=0
if psql "$PG_ADMIN_URL" -qc "SELECT 1" >/dev/null 2>&1; then
    PG_DB="dxgate_bench_$$"
    psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $PG_DB" >/dev/null
    cfg "$WORK/pg" "$DXP"
    DXGATE_STORE_URL="${PG_ADMIN_URL%/*}/$PG_DB" "$BIN" serve --config "$WORK/pg" > "$WORK/dx-pg.out" 2> "$WORK/dx-pg.log" & PIDS+=($!)
    HAVE_PG=1
else
    echo "note: PostgreSQL not reachable at $PG_ADMIN_URL; skipping the PostgreSQL run"
fi
wait_port "$UP"; wait_port "$NGX"; wait_port "$DXS"; [ "$HAVE_PG" = 1 ] && wait_port "$DXP"

Q="enterprise_code=0101234567"
AUTH=(-H "Authorization: Bearer bench-key" -H "Data-Purpose: benchmark")
# Sanity: each target answers 200 with the same body.
for url in "http://127.0.0.1:$UP/registry?$Q" "http://127.0.0.1:$NGX/registry?$Q" "http://127.0.0.1:$DXS/v1/data/mof/business-registry?$Q"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "${AUTH[@]}" "$url"); [ "$code" = 200 ] || { echo "$url answered $code"; exit 1; }
done

# run NAME URL [headers…] → prints "NAME rps p50_ms p99_ms"
run() {
    local name="$1" url="$2"; shift 2
    wrk -t"$THREADS" -c"$CONN" -d3s "$@" "$url" >/dev/null 2>&1   # warm-up
    local out; out=$(wrk -t"$THREADS" -c"$CONN" -d"${DUR}s" --latency "$@" "$url")
    local rps p50 p99 non2xx
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    [ -n "$non2xx" ] && echo "WARNING: $name had $non2xx non-2xx answers" >&2
    echo "$name $rps $(ms "$p50") $(ms "$p99")"
}
# wrk prints 812.00us / 1.23ms / 2.00s → milliseconds
ms() { awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /s$/) n*=1000; printf "%.3f", n }'; }

echo "dxgate proxy benchmark: $(nproc) cores, wrk -t$THREADS -c$CONN -d${DUR}s, $(date -u +%FT%TZ)"
R_UP=$(run upstream "http://127.0.0.1:$UP/registry?$Q")
R_NGX=$(run nginx "http://127.0.0.1:$NGX/registry?$Q")
R_DXS=$(run dxgate-sqlite "http://127.0.0.1:$DXS/v1/data/mof/business-registry?$Q" "${AUTH[@]}")
R_DXP=""
[ "$HAVE_PG" = 1 ] && R_DXP=$(run dxgate-postgres "http://127.0.0.1:$DXP/v1/data/mof/business-registry?$Q" "${AUTH[@]}")

read -r _ UP_RPS UP_P50 UP_P99 <<<"$R_UP"
read -r _ NGX_RPS _ _ <<<"$R_NGX"
printf '\n%-16s %12s %9s %9s %12s %15s\n' target "req/s" "p50 ms" "p99 ms" "x nginx" "p99 added ms"
for r in "$R_UP" "$R_NGX" "$R_DXS" "$R_DXP"; do
    [ -z "$r" ] && continue
    read -r name rps p50 p99 <<<"$r"
    awk -v n="$name" -v r="$rps" -v a="$p50" -v b="$p99" -v g="$NGX_RPS" -v u="$UP_P99" \
        'BEGIN { printf "%-16s %12.0f %9.3f %9.3f %12.2f %15.3f\n", n, r, a, b, r/g, b-u }'
done

# The audit log holds one verified record per answered request.
kill -TERM "${PIDS[0]}"; wait "${PIDS[0]}" 2>/dev/null || true
echo; "$BIN" audit verify --config "$WORK/sqlite" | tail -1
if [ "$HAVE_PG" = 1 ]; then
    kill -TERM "${PIDS[1]}"; wait "${PIDS[1]}" 2>/dev/null || true
    DXGATE_STORE_URL="${PG_ADMIN_URL%/*}/$PG_DB" "$BIN" audit verify --config "$WORK/pg" | tail -1
fi
