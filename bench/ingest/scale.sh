#!/usr/bin/env bash
# Ingest as the store grows: one `sluice serve` with a fresh data directory takes TOTAL spans
# through the insert API (a pool of SPANS generated spans posted again and again, each round
# with fresh row ids), and the rate of every WINDOW accepted spans is printed, ending with the
# last window's rate beside the first's.
#
#   bench/ingest/scale.sh                                   # 10,000,000 spans, windows of 100,000
#   TOTAL=1000000 SKIP_BUILD=1 bench/ingest/scale.sh
#
# Environment: BUILD_DIR (default <repo>/build-bench), TOTAL, WINDOW, SPANS (the pool, default
# 200,000), BATCH_SIZE, CONNECTIONS, TEXT_BYTES, SEED, JOBS, SKIP_BUILD=1, KEEP=1 (keep the work
# directory; it holds about 1.9 KB per span).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
TOTAL=${TOTAL:-10000000}
WINDOW=${WINDOW:-100000}
SPANS=${SPANS:-200000}
BATCH_SIZE=${BATCH_SIZE:-1000}
CONNECTIONS=${CONNECTIONS:-8}
TEXT_BYTES=${TEXT_BYTES:-1024}
SEED=${SEED:-1}

source "$ROOT/bench/ingest/server.sh"
[[ "${SKIP_BUILD:-0}" == 1 ]] || build

make_work_dir sluice-ingest-scale
start_server "$WORK"
echo "== sluice server pid $SERVER_PID on 127.0.0.1:$PORT; $TOTAL spans, windows of $WINDOW =="
post_spans "$WORK/scale.out" --total-spans "$TOTAL" --window "$WINDOW"
echo "server bytes written: $(awk '/^wchar/ { printf "%.1f GB", $2 / 1e9 }' "/proc/$SERVER_PID/io")"
stop_server
echo "server data dir after ingest: $(du -sh "$WORK/data" | cut -f1)"
