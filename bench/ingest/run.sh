#!/usr/bin/env bash
# Ingest benchmark, end to end: builds Release, starts a sluice server with a fresh data dir on a
# free loopback port, posts generated spans through the insert API, stops the server, then
# inserts the same spans straight into a new SQLite store, and prints the figures of both.
#
#   bench/ingest/run.sh                      # 100,000 spans, 4 connections
#   SPANS=1000000 CONNECTIONS=2 bench/ingest/run.sh
#
# Environment: BUILD_DIR (default <repo>/build-bench), SPANS, CONNECTIONS, BATCH_SIZE, SEED,
# JOBS (parallel build jobs, default 2), SKIP_BUILD=1 (use the binaries already built), KEEP=1
# (keep the work directory).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
SPANS=${SPANS:-100000}
CONNECTIONS=${CONNECTIONS:-4}
BATCH_SIZE=${BATCH_SIZE:-1000}
SEED=${SEED:-1}

source "$ROOT/bench/ingest/server.sh"
# SKIP_BUILD=1 runs the binaries already in $BUILD.
[[ "${SKIP_BUILD:-0}" == 1 ]] || build

make_work_dir sluice-ingest-bench

start_server "$WORK"

echo "== sluice server pid $SERVER_PID on 127.0.0.1:$PORT =="
"$BUILD/bench/ingest/sluice-ingest-bench" http --url "http://127.0.0.1:$PORT" \
  --api-key "$API_KEY" --project-id "$PROJECT_ID" --server-pid "$SERVER_PID" \
  --spans "$SPANS" --batch-size "$BATCH_SIZE" --connections "$CONNECTIONS" --seed "$SEED" |
  tee "$WORK/http.out"

stop_server
echo "server data dir after ingest: $(du -sh "$WORK/data" | cut -f1)"

echo "== straight into the SQLite store (no HTTP) =="
"$BUILD/bench/ingest/sluice-ingest-bench" store --db "$WORK/store.db" \
  --spans "$SPANS" --batch-size "$BATCH_SIZE" --seed "$SEED" | tee "$WORK/store.out"

HTTP_RATE=$(rate "$WORK/http.out" "http insert")
STORE_RATE=$(rate "$WORK/store.out" "parse+insert")
if [[ -n "$HTTP_RATE" && -n "$STORE_RATE" ]]; then
  awk -v h="$HTTP_RATE" -v s="$STORE_RATE" \
    'BEGIN { printf "== HTTP ingest runs at %.2fx the single-threaded parse+insert rate ==\n", h / s }'
fi
# CPU ms per 1,000 spans of the line starting with $2 in file $1.
cpu() { awk -v l="$2" 'index($0, l) == 1 { for (i = 1; i <= NF; i++) if ($i == "ms") print $(i - 1) }' "$1"; }
SERVER_CPU=$(cpu "$WORK/http.out" "server CPU")
STORE_CPU=$(cpu "$WORK/store.out" "parse+insert CPU")
if [[ -n "$SERVER_CPU" && -n "$STORE_CPU" ]]; then
  awk -v h="$SERVER_CPU" -v s="$STORE_CPU" \
    'BEGIN { printf "== the server spends %.2fx the CPU of parse+insert per span ==\n", h / s }'
fi
