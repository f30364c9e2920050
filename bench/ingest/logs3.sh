#!/usr/bin/env bash
# The Braintrust SDKs' write path beside the insert API, in one run: generated spans posted the
# way the SDKs batch them (100 rows per request, 8 requests in flight) to `/logs3` and to
# `/v1/project_logs/{id}/insert`, each into a fresh server (SQLite). The two alternate
# (insert, logs3, insert, logs3) so neither always runs on a warmer machine; prints each run's
# figures and the ratio of the best /logs3 rate to the best insert rate.
#
#   bench/ingest/logs3.sh                          # 200,000 spans of ~1 KB
#   SPANS=500000 ROUNDS=3 bench/ingest/logs3.sh
#
# Environment: BUILD_DIR (default <repo>/build-bench), SPANS, BATCH_SIZE (100), CONNECTIONS (8),
# TEXT_BYTES (mean input+output bytes per span, default 400: ~1 KB per span), ROUNDS (2), SEED,
# SKIP_BUILD=1, KEEP=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
SPANS=${SPANS:-200000}
BATCH_SIZE=${BATCH_SIZE:-100}
CONNECTIONS=${CONNECTIONS:-8}
TEXT_BYTES=${TEXT_BYTES:-400}
ROUNDS=${ROUNDS:-2}
SEED=${SEED:-1}

source "$ROOT/bench/ingest/server.sh"
[[ "${SKIP_BUILD:-0}" == 1 ]] || build

make_work_dir sluice-logs3-bench

for round in $(seq 1 "$ROUNDS"); do
  http_round insert "$round"
  http_round logs3 "$round"
done
INSERT=$(best insert "http insert")
LOGS3=$(best logs3 "http logs3")
awk -v l="$LOGS3" -v i="$INSERT" 'BEGIN {
  printf "== best /logs3 %.0f spans/s, best insert %.0f spans/s: /logs3 at %.2fx the insert path ==\n",
    l, i, l / i }'
echo "== /logs3 over insert, round by round: $(round_ratios logs3 "http logs3" insert "http insert") =="
