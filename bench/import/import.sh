#!/usr/bin/env bash
# Importing an export back beside the insert path, in one run: generated spans are posted to
# `/v1/project_logs/{id}/insert` of a fresh server (100 rows per request, 8 in flight: the insert
# rate), exported from it to local directories as JSON Lines and as Parquet, and each export is
# imported by `sluice import` into a fresh server. Prints each phase's figures and the ratio of
# each import rate to the insert rate.
#
#   bench/import/import.sh                       # 200,000 spans of ~1 KB
#   SPANS=1000000 bench/import/import.sh
#
# Environment: BUILD_DIR (default <repo>/build-bench), SPANS, BATCH_SIZE (100), CONNECTIONS (8),
# TEXT_BYTES (400: ~1 KB per span), EXPORT_BATCH (rows per export file, 100000), SEED,
# SKIP_BUILD=1, KEEP=1. curl and python3 (for JSON) must be on PATH.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
SPANS=${SPANS:-200000}
BATCH_SIZE=${BATCH_SIZE:-100}
CONNECTIONS=${CONNECTIONS:-8}
TEXT_BYTES=${TEXT_BYTES:-400}
EXPORT_BATCH=${EXPORT_BATCH:-100000}
SEED=${SEED:-1}

source "$ROOT/bench/ingest/server.sh"
[[ "${SKIP_BUILD:-0}" == 1 ]] || build

make_work_dir sluice-import-bench

call() {  # METHOD PATH [BODY] -> the answer's body on stdout; fails on HTTP errors
  curl -sS --fail-with-body -X "$1" "http://127.0.0.1:$PORT$2" \
    -H "Authorization: Bearer $API_KEY" -H 'Content-Type: application/json' ${3:+--data "$3"}
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
cpu_seconds() {  # user+system CPU seconds of process $1 so far
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

echo "== insert: $SPANS spans into a fresh server =="
start_server "$WORK/source"
"$BUILD/bench/ingest/sluice-ingest-bench" http --url "http://127.0.0.1:$PORT" \
  --api-key "$API_KEY" --project-id "$PROJECT_ID" --server-pid "$SERVER_PID" \
  --spans "$SPANS" --batch-size "$BATCH_SIZE" --connections "$CONNECTIONS" --seed "$SEED" \
  --text-bytes "$TEXT_BYTES" | tee "$WORK/insert.out"
INSERT=$(rate "$WORK/insert.out" "http insert")

TOKEN=$("$BUILD/src/cli/sluice" admin --data-dir "$WORK/source/data" create-key --name bench \
  --project "$PROJECT_ID" --service-token)
for fmt in jsonl parquet; do
  config="{\"event_type\":\"btql_export\",\"export_definition\":{\"type\":\"log_spans\"},
    \"export_path\":\"file://$WORK/export-$fmt\",\"format\":\"$fmt\",\"interval_seconds\":3600,
    \"batch_size\":$EXPORT_BATCH,\"max_iterations\":10000,\"status\":\"paused\"}"
  id=$(call POST /v1/project_automation \
    "{\"project_id\":\"$PROJECT_ID\",\"name\":\"bench-$fmt\",\"config\":$config}" | field "['id']")
  call POST /automation/cron "{\"automation_id\":\"$id\",\"cron\":{\"type\":\"btql_export\"},
    \"service_token\":\"$TOKEN\"}" >/dev/null
  start=$(date +%s.%N)
  rows=$(call POST "/automation/cron/$id/run" '{}' | field "['stats']['rows']")
  end=$(date +%s.%N)
  echo "export $fmt: $rows rows in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s," \
    "$(du -sh "$WORK/export-$fmt" | cut -f1)"
done
stop_server

declare -A IMPORT
for fmt in jsonl parquet; do
  echo "== import $fmt into a fresh server =="
  start_server "$WORK/import-$fmt"
  cpu0=$(cpu_seconds "$SERVER_PID")
  start=$(date +%s.%N)
  "$BUILD/src/cli/sluice" import "file://$WORK/export-$fmt" --project "$PROJECT_ID" \
    --url "http://127.0.0.1:$PORT" --api-key "$API_KEY" 2>"$WORK/import-$fmt.err" |
    tee "$WORK/import-$fmt.out"
  end=$(date +%s.%N)
  cpu1=$(cpu_seconds "$SERVER_PID")
  rss=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status")
  rows=$(sed -n 's/^imported \([0-9]*\) rows.*/\1/p' "$WORK/import-$fmt.out")
  IMPORT[$fmt]=$(awk -v n="$rows" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n / (b - a) }')
  awk -v n="$rows" -v a="$start" -v b="$end" -v c0="$cpu0" -v c1="$cpu1" -v rss="$rss" \
    -v f="$fmt" 'BEGIN { printf "import %s: %d rows in %.2f s = %.0f spans/s, server CPU %.2f s" \
      " (%.1f ms per 1000 spans), server peak RSS %d MiB\n", f, n, b - a, n / (b - a), c1 - c0,
      (c1 - c0) * 1e6 / n, rss }'
  stop_server
done

awk -v i="$INSERT" -v j="${IMPORT[jsonl]}" -v p="${IMPORT[parquet]}" 'BEGIN {
  printf "== insert %.0f spans/s; import JSON Lines %.0f spans/s (%.2fx), Parquet %.0f spans/s (%.2fx) ==\n",
    i, j, j / i, p, p / i }'
