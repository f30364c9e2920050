# Sourced by the ingest bench scripts: builds the Release binaries and starts or stops a sluice
# server with a fresh data directory on a free loopback port.
#   build                      -> $BUILD/src/cli/sluice, $BUILD/bench/ingest/sluice-ingest-bench
#   start_server DIR [FLAGS]   -> SERVER_PID, PORT, PROJECT_ID, API_KEY
#   stop_server
#   post_spans OUT [FLAGS]     -> sluice-ingest-bench http against the running server
#   http_round MODE ROUND [FLAGS] -> one sluice-ingest-bench http run into a fresh server
#   best MODE LABEL, mean_cpu MODE -> figures over a mode's rounds
#   round_ratios A LABEL_A B LABEL_B -> each round's rate of A over B's, and their median
#   make_work_dir NAME         -> WORK, a fresh /tmp/NAME.XXXXXX removed on exit (kept with KEEP=1),
#                                 the server stopped on exit too
# Environment: BUILD (the build directory), JOBS (parallel build jobs, default 2), LOG_LEVEL (the
# server's, default warn; info logs each segment seal that takes 100 ms or more, in DIR/server.out).

build() {
  local configure=(cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release)
  # A new build directory needs no tests for this.
  [[ -f "$BUILD/CMakeCache.txt" ]] || configure+=(-DSLUICE_BUILD_TESTS=OFF)
  local log
  log=$(mktemp)
  if ! { "${configure[@]}" && ninja -C "$BUILD" -j"${JOBS:-2}" sluice sluice-ingest-bench; } \
      >"$log" 2>&1; then
    echo "build failed:" >&2
    grep -E -A12 'error|FAILED' "$log" | head -60 >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
}

start_server() {
  local dir=$1
  shift
  mkdir -p "$dir/data"
  "$BUILD/src/cli/sluice" serve --data-dir "$dir/data" --listen 127.0.0.1:0 --log-level "${LOG_LEVEL:-warn}" \
    "$@" >"$dir/server.out" 2>"$dir/server.err" &
  SERVER_PID=$!
  # Port 0 lets the server pick a free port; it prints the one it bound.
  PORT=""
  for _ in $(seq 1 300); do
    PORT=$(sed -n 's|^sluice listening on http://[^:]*:\([0-9]*\).*|\1|p' "$dir/server.out")
    [[ -n "$PORT" ]] && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "the server exited:" >&2
      cat "$dir/server.out" "$dir/server.err" >&2
      exit 1
    fi
    sleep 0.1
  done
  if [[ -z "$PORT" ]]; then
    echo "the server did not start listening within 30 s" >&2
    exit 1
  fi
  PROJECT_ID=$(sed -n 's/^project_id=//p' "$dir/data/credentials")
  API_KEY=$(sed -n 's/^api_key=//p' "$dir/data/credentials")
}

stop_server() {
  if [[ -n "${SERVER_PID:-}" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

# spans/s of the line starting with $2 in file $1.
rate() { awk -v l="$2" 'index($0, l) == 1 { for (i = 1; i <= NF; i++) if ($i == "spans/s") print $(i - 1) }' "$1"; }

make_work_dir() {
  WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  SERVER_PID=""
  trap 'stop_server; if [[ "${KEEP:-0}" == 1 ]]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi' EXIT
}

# sluice-ingest-bench http against the running server, with SPANS, BATCH_SIZE, CONNECTIONS, SEED,
# TEXT_BYTES and any more FLAGS; its output also in OUT.
post_spans() {
  local out=$1
  shift
  "$BUILD/bench/ingest/sluice-ingest-bench" http --url "http://127.0.0.1:$PORT" \
    --api-key "$API_KEY" --project-id "$PROJECT_ID" --server-pid "$SERVER_PID" \
    --spans "$SPANS" --batch-size "$BATCH_SIZE" --connections "$CONNECTIONS" --seed "$SEED" \
    --text-bytes "$TEXT_BYTES" "$@" | tee "$out"
}

# One run of `mode` (insert, or logs3 / otlp: the endpoint flag of sluice-ingest-bench http) into
# a fresh server, with any more FLAGS; its output in $WORK/<mode>-<round>.out.
http_round() {
  local mode=$1 round=$2 dir="$WORK/$1-$2" flags=()
  shift 2
  flags=("$@")
  [[ "$mode" != insert ]] && flags=(--"$mode" "${flags[@]}")
  start_server "$dir"
  echo "== $mode, round $round: server pid $SERVER_PID on 127.0.0.1:$PORT =="
  post_spans "$WORK/$mode-$round.out" "${flags[@]}"
  stop_server
}

# The best spans/s of the lines starting with `label` over the runs of `mode`.
best() {
  local mode=$1 label=$2 best=0 r
  for f in "$WORK/$mode"-*.out; do
    r=$(rate "$f" "$label")
    best=$(awk -v a="$best" -v b="${r:-0}" 'BEGIN { print (b > a ? b : a) }')
  done
  echo "$best"
}

# Mean server CPU ms per 1,000 spans over the runs of `mode`.
mean_cpu() {
  cat "$WORK/$1"-*.out | awk '/^server CPU/ { for (i = 1; i <= NF; i++) if ($i == "ms") { s += $(i - 1); n++ } }
    END { if (n) printf "%.1f", s / n }'
}

# The rate of `a` over the rate of `b` in each round (runs back to back, so on a machine in the
# same state), then the median of those ratios: steadier than the ratio of the best runs when
# the machine's speed drifts between rounds.
round_ratios() {
  local a=$1 la=$2 b=$3 lb=$4 f round ra rb ratios=()
  for f in "$WORK/$a"-*.out; do
    [[ -f "$f" ]] || continue
    round=${f##*-}
    round=${round%.out}
    ra=$(rate "$f" "$la")
    rb=$(rate "$WORK/$b-$round.out" "$lb")
    [[ -n "$ra" && -n "$rb" ]] || continue
    ratios+=("$(awk -v x="$ra" -v y="$rb" 'BEGIN { printf "%.3f", x / y }')")
  done
  if [[ ${#ratios[@]} -eq 0 ]]; then
    echo "no round has both runs"
    return
  fi
  printf '%s\n' "${ratios[@]}" | sort -n | awk '{ r[NR] = $1 } END {
    m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
    s = ""; for (i = 1; i <= NR; i++) s = s (i > 1 ? " " : "") r[i]
    printf "%s (sorted) -> median %.2fx\n", s, m }'
}
