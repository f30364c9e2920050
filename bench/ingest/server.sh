# Sourced by the ingest bench scripts: builds the Release binaries and starts or stops a sluice
# server with a fresh data directory on a free loopback port.
#   build                      -> $BUILD/src/cli/sluice, $BUILD/bench/ingest/sluice-ingest-bench
#   start_server DIR [FLAGS]   -> SERVER_PID, PORT, PROJECT_ID, API_KEY
#   stop_server
#   make_work_dir NAME         -> WORK, a fresh /tmp/NAME.XXXXXX removed on exit (kept with KEEP=1),
#                                 the server stopped on exit too
# Environment: BUILD (the build directory), JOBS (parallel build jobs, default 2).

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
  "$BUILD/src/cli/sluice" serve --data-dir "$dir/data" --listen 127.0.0.1:0 --log-level warn \
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
