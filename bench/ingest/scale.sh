#!/usr/bin/env bash
# Ingest as the store grows: one `sluice serve` with a fresh data directory takes TOTAL spans
# through the insert API (a pool of SPANS generated spans posted again and again, each round
# with fresh row ids), and the rate of every WINDOW accepted spans is printed, ending with the
# last window's rate beside the first's.
#
#   bench/ingest/scale.sh                                   # 10,000,000 spans, windows of 100,000
#   TOTAL=1000000 SKIP_BUILD=1 bench/ingest/scale.sh
#
# Environment: BUILD_DIR (default <repo>/build-bench), LOG_LEVEL (the server's, default info: its
# seals are summed up at the end), TOTAL, WINDOW, RANGE (the first and last spans stored whose
# rates are printed at the end: default 1,000,000 from TOTAL=2000000 on, else one WINDOW),
# SPANS (the pool, default 200,000), BATCH_SIZE, CONNECTIONS, TEXT_BYTES, SEED, JOBS,
# SKIP_BUILD=1, KEEP=1 (keep the work directory; it holds about 1.9 KB per span).
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

# info: the server logs each segment seal of 100 ms or more, and each segment's key tables
# written in 100 ms or more, both summed up at the end.
LOG_LEVEL=${LOG_LEVEL:-info}

source "$ROOT/bench/ingest/server.sh"
[[ "${SKIP_BUILD:-0}" == 1 ]] || build

make_work_dir sluice-ingest-scale
start_server "$WORK"
echo "== sluice server pid $SERVER_PID on 127.0.0.1:$PORT; $TOTAL spans, windows of $WINDOW =="
post_spans "$WORK/scale.out" --total-spans "$TOTAL" --window "$WINDOW"
# The first and the last million stored (one window each below 2M): each a whole-range rate
# (spans over the time its windows took), so the windows that seal a segment weigh what they cost,
# and the kernel's share of the server's CPU in each (page cache writes, page faults).
awk -v total="$TOTAL" -v window="$WINDOW" -v range="${RANGE:-0}" '$1 == "window" {
       split($2, r, /\.\./); k++; lo[k] = r[1]; hi[k] = r[2]; rate[k] = $4; cpu[k] = $8
       has_kern[k] = $NF ~ /%$/; kern[k] = has_kern[k] ? $NF / 100 : 0 }
     END {
       span = range > 0 ? range : (total >= 2000000 ? 1000000 : window); last = hi[k]
       for (i = 1; i <= k; i++) {
         n = hi[i] - lo[i]
         # The kernel share only over the windows that report it.
         c = cpu[i] * n; kc = has_kern[i] ? c : 0; k_ = c * kern[i]
         if (hi[i] <= span) { fs += n; ft += n / rate[i]; fc += c; fkc += kc; fk += k_ }
         if (lo[i] >= last - span) { ls += n; lt += n / rate[i]; lc += c; lkc += kc; lk += k_ }
       }
       if (fs && ls) printf "first %d stored: %.0f spans/s, %.1f ms CPU per 1,000 (kernel %s); last %d (to %d): %.0f spans/s, %.1f ms (kernel %s); last / first %.2f\n",
                            fs, fs / ft, fc / fs, share(fk, fkc), ls, last, ls / lt, lc / ls, share(lk, lkc), (ls / lt) / (fs / ft) }
     function share(k, c) { return c > 0 ? sprintf("%.0f%%", 100 * k / c) : "not measured" }' "$WORK/scale.out"
echo "server bytes written: $(awk '/^wchar/ { printf "%.1f GB", $2 / 1e9 }' "/proc/$SERVER_PID/io")"
stop_server
awk '/event segment .* sealed: .* in [0-9]+ ms/ {
       for (i = 1; i <= NF; i++) if ($i == "ms") { ms = $(i - 1); n++; total += ms; if (ms > max) max = ms } }
     END { if (n) printf "segment seals of 100 ms or more: %d, %.1f s in all, longest %d ms\n", n, total / 1000, max }' \
  "$WORK/server.out" "$WORK/server.err"
# Key tables are written beside the inserts, on the key worker's thread (docs/storage.md).
awk '/event segment .* written to the keys file in [0-9]+ ms/ {
       for (i = 1; i <= NF; i++) if ($i == "ms") { ms = $(i - 1); n++; total += ms; if (ms > max) max = ms } }
     END { if (n) printf "key tables written beside the inserts: %d segments, %.1f s in all, longest %d ms\n", n, total / 1000, max }' \
  "$WORK/server.out" "$WORK/server.err"
echo "server data dir after ingest: $(du -sh "$WORK/data" | cut -f1)"
