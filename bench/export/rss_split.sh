#!/usr/bin/env bash
# Where an export case's memory is: runs export_bench with the arguments given and samples each
# case's process every INTERVAL seconds (any export_bench process with a `--case` argument, as
# export_bench starts one per case: run one bench at a time), printing per case the largest
# anonymous memory (RssAnon: heap, SQLite's caches) and file pages (RssFile: the executable,
# libraries, any mapped file) it saw, beside the peak RSS export_bench reports. Samples miss
# what lives shorter than INTERVAL. SERIES=1 also prints every sample (seconds, case, both).
#
#   bench/export/rss_split.sh --dir /tmp/eb --cases scan,local-parquet --sqlite-peer 0
#   SERIES=1 INTERVAL=0.2 bench/export/rss_split.sh --spans 10000000 --dir /tmp/eb10 --cases local-parquet --sqlite-peer 0
#
# Environment: BUILD_DIR (default <repo>/build-bench, its bench/export/export_bench), INTERVAL
# (0.3), SERIES.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=${BUILD_DIR:-$ROOT/build-bench}/bench/export/export_bench
INTERVAL=${INTERVAL:-0.3}
[[ -x "$BENCH" ]] || { echo "no $BENCH: build it (ninja -C build-bench export_bench)" >&2; exit 1; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s.%N)
"$BENCH" "$@" > "$out" 2>&1 &
bench_pid=$!
declare -A anon file
while kill -0 "$bench_pid" 2>/dev/null; do
  # The cases run through popen's shell: any export_bench process with a --case argument.
  for pid in $(pgrep -x export_bench || true); do
    name=$(tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | sed -n '/^--case$/{n;p;}') || continue
    [[ -n "$name" ]] || continue
    read -r a f < <(awk '/^RssAnon/{a=$2} /^RssFile/{f=$2} END{print a+0, f+0}' \
      "/proc/$pid/status" 2>/dev/null || echo "0 0")
    [[ "${SERIES:-0}" == 1 ]] && printf '%6.1f s %-18s RssAnon %7d KiB, RssFile %7d KiB\n' \
      "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{print b - a}')" "$name" "$a" "$f"
    (( a > ${anon[$name]:-0} )) && anon[$name]=$a
    (( f > ${file[$name]:-0} )) && file[$name]=$f
  done
  sleep "$INTERVAL"
done
wait "$bench_pid" || { cat "$out"; exit 1; }
grep -v "sealed:" "$out"
for name in "${!anon[@]}"; do
  printf '%-18s largest RssAnon %6d MiB, RssFile %6d MiB\n' "$name" \
    $((anon[$name] / 1024)) $((file[$name] / 1024))
done
