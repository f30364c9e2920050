#!/usr/bin/env bash
# Two `sluice` server binaries side by side: ROUNDS rounds, each posting the same generated spans
# through HTTP into a fresh server of each binary in turn (A, B, A, B, ...), with the same client.
# Prints each run's rate, server CPU per 1,000 spans, longest batch and the server's anonymous
# memory (RssAnon) after the run, then the mean CPU of each binary: for keeping or dropping a
# change whose effect is near the noise of one run.
#
#   bench/ingest/ab.sh OLD_SLUICE NEW_SLUICE                 # 4 rounds, insert API
#   ROUNDS=10 bench/ingest/ab.sh OLD_SLUICE NEW_SLUICE --otlp
#
# Any arguments after the two binaries go to `sluice-ingest-bench http` (--otlp, --otlp-rows, ...).
# Environment: BUILD_DIR (default <repo>/build-bench: its sluice-ingest-bench is the client),
# ROUNDS (4), SPANS (100,000), BATCH_SIZE (512), CONNECTIONS (8), TEXT_BYTES (400), SEED, KEEP=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CLIENT_BUILD=${BUILD_DIR:-$ROOT/build-bench}
ROUNDS=${ROUNDS:-4}
SPANS=${SPANS:-100000}
BATCH_SIZE=${BATCH_SIZE:-512}
CONNECTIONS=${CONNECTIONS:-8}
TEXT_BYTES=${TEXT_BYTES:-400}
SEED=${SEED:-1}
if [[ $# -lt 2 ]]; then
  echo "usage: bench/ingest/ab.sh SLUICE_A SLUICE_B [sluice-ingest-bench http flags]" >&2
  exit 2
fi
A=$(realpath "$1")
B=$(realpath "$2")
shift 2
[[ -x "$CLIENT_BUILD/bench/ingest/sluice-ingest-bench" ]] ||
  { echo "no $CLIENT_BUILD/bench/ingest/sluice-ingest-bench: build it first" >&2; exit 1; }

source "$ROOT/bench/ingest/server.sh"
make_work_dir sluice-ab-bench

# A build directory per binary, as server.sh expects: the binary and the shared client.
for side in a b; do
  mkdir -p "$WORK/$side/src/cli" "$WORK/$side/bench/ingest"
  ln -s "$CLIENT_BUILD/bench/ingest/sluice-ingest-bench" "$WORK/$side/bench/ingest/"
done
ln -s "$A" "$WORK/a/src/cli/sluice"
ln -s "$B" "$WORK/b/src/cli/sluice"

for round in $(seq 1 "$ROUNDS"); do
  for side in a b; do
    BUILD="$WORK/$side"
    start_server "$WORK/$side-$round"
    post_spans "$WORK/$side-$round.out" "$@" >/dev/null
    rss=$(awk '/^RssAnon/ { print $2 }' "/proc/$SERVER_PID/status")
    stop_server
    awk -v side="$side" -v round="$round" -v rss="$rss" '
      /^http / { for (i = 1; i <= NF; i++) { if ($i == "spans/s") rate = $(i - 1); if ($i == "max") { longest = $(i + 1); sub(/,$/, "", longest) } } }
      /^server CPU/ { for (i = 1; i <= NF; i++) if ($i == "ms") cpu = $(i - 1) }
      END { printf "%s round %d: %s spans/s, server CPU %s ms per 1,000 spans, longest batch %s ms, RssAnon %.0f MB\n",
            side, round, rate, cpu, longest, rss / 1024 }' "$WORK/$side-$round.out" |
      tee -a "$WORK/summary"
  done
done
awk '{ n[$1]++; c[$1] += $8 }
  END { printf "== mean server CPU per 1,000 spans: A %.2f ms, B %.2f ms (B/A %.3f) ==\n",
        c["a"] / n["a"], c["b"] / n["b"], (c["b"] / n["b"]) / (c["a"] / n["a"]) }' "$WORK/summary"
