#!/usr/bin/env bash
# Run every cargo-fuzz target for a bounded time (default 60 s each); exit 1 on a crash.
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
# Usage: scripts/fuzz.sh [seconds per target]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECS="${1:-60}"
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz on nightly is required: rustup toolchain install nightly && cargo install cargo-fuzz" >&2
    exit 2
fi
for t in catalog_parse query_to_json problem_render; do
    echo "== $t ($SECS s)"
    # corpus/ (grows, not committed) starts from the committed seeds/.
    mkdir -p "corpus/$t"
    cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$SECS" -rss_limit_mb=2048
done
