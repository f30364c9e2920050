#!/usr/bin/env bash
# OpenTelemetry's OTLP/HTTP path beside the insert API, in one run: the same generated spans
# (~1 KB GenAI spans by default) posted in batches of 512 as OTLP protobuf to `/otel/v1/traces`
# and as JSON to `/v1/project_logs/{id}/insert`, each into a fresh server (SQLite). The two
# alternate (insert, otlp, insert, otlp) so neither always runs on a warmer machine; prints each
# run's figures, the best rate of each and their ratio, each round's ratio and their median, and
# the server CPU per span of each.
# Then the store peer: the insert API's parse beside OTLP decode + map of the same batches.
#
#   bench/ingest/otlp.sh                          # 100,000 spans of ~1 KB, 3 rounds
#   SPANS=300000 ROUNDS=3 bench/ingest/otlp.sh
#
# Environment: BUILD_DIR (default <repo>/build-bench), SPANS, BATCH_SIZE (512), CONNECTIONS (8),
# TEXT_BYTES (mean input+output bytes per span, default 400: ~1 KB per span), ROUNDS (3), SEED,
# SAME_ROWS (1: the insert API's bodies hold the rows the OTLP mapping stores; 0: the generator's
# rows, which lack the OTLP spans' resource and GenAI attributes), SKIP_BUILD=1, KEEP=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
SPANS=${SPANS:-100000}
BATCH_SIZE=${BATCH_SIZE:-512}
CONNECTIONS=${CONNECTIONS:-8}
TEXT_BYTES=${TEXT_BYTES:-400}
ROUNDS=${ROUNDS:-3}
SEED=${SEED:-1}
SAME_ROWS=${SAME_ROWS:-1}

source "$ROOT/bench/ingest/server.sh"
[[ "${SKIP_BUILD:-0}" == 1 ]] || build

make_work_dir sluice-otlp-bench

# The OTLP requests carry attributes the generator's rows lack (the resource's service.name, the
# GenAI operation, system and temperature), which the mapping stores in metadata. With SAME_ROWS=1
# the insert API's bodies hold the rows the mapping stores, so both paths store the same bytes.
insert_flags=()
[[ "$SAME_ROWS" == 1 ]] && insert_flags=(--otlp-rows)
for round in $(seq 1 "$ROUNDS"); do
  http_round insert "$round" "${insert_flags[@]}"
  http_round otlp "$round"
done
INSERT=$(best insert "http insert")
OTLP=$(best otlp "http otlp")
awk -v o="$OTLP" -v i="$INSERT" -v oc="$(mean_cpu otlp)" -v ic="$(mean_cpu insert)" 'BEGIN {
  printf "== best OTLP %.0f spans/s, best insert %.0f spans/s: OTLP at %.2fx the insert path ==\n",
    o, i, o / i
  printf "== server CPU per 1,000 spans: OTLP %.1f ms, insert %.1f ms (%.2fx) ==\n", oc, ic, oc / ic }'
echo "== OTLP over insert, round by round: $(round_ratios otlp "http otlp" insert "http insert") =="

echo "== the store peer (no HTTP): the insert API's parse beside OTLP decode + map =="
"$BUILD/bench/ingest/sluice-ingest-bench" store --db "$WORK/store.db" --spans "$SPANS" \
  --batch-size "$BATCH_SIZE" --seed "$SEED" --text-bytes "$TEXT_BYTES" --otlp "${insert_flags[@]}" |
  grep -E '^(generated|parse |store insert|otlp)'
