#!/usr/bin/env bash
# Scale-out on PostgreSQL, in one run: generated spans posted through the insert API to one
# `sluice serve` on a PostgreSQL 15 database, then to two `sluice serve` processes sharing a
# fresh database (one sluice-ingest-bench client per server, running at the same time). Each
# round alternates one and two servers so neither always runs on a warmer machine; prints each
# run's figures, the CPU the PostgreSQL server used per 1,000 spans, and the ratio of the best
# two-server total to the best one-server rate.
#
#   bench/ingest/pg_servers.sh                         # 60,000 spans per client, ~1.7 KB each
#   SPANS=100000 ROUNDS=3 CONNECTIONS=4 bench/ingest/pg_servers.sh
#
# The PostgreSQL server is started in a temporary directory as the store tests start theirs
# (`fsync=off`, `synchronous_commit=off`; as `postgres` through runuser when root).
# Environment: BUILD_DIR (default <repo>/build-bench), SPANS (per client), BATCH_SIZE (1000),
# CONNECTIONS (per client, 4), TEXT_BYTES (1024), ROUNDS (2), SEED, SLUICE_PG_BIN
# (/usr/lib/postgresql/15/bin), SLUICE_PG_SETTINGS (more server settings), SKIP_BUILD=1, KEEP=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
SPANS=${SPANS:-60000}
BATCH_SIZE=${BATCH_SIZE:-1000}
CONNECTIONS=${CONNECTIONS:-4}
TEXT_BYTES=${TEXT_BYTES:-1024}
ROUNDS=${ROUNDS:-2}
SEED=${SEED:-1}
PG_BIN=${SLUICE_PG_BIN:-/usr/lib/postgresql/15/bin}

source "$ROOT/bench/ingest/server.sh"
[[ "${SKIP_BUILD:-0}" == 1 ]] || build

make_work_dir sluice-pg-servers-bench
PIDS=()
as_pg() { if [[ $EUID == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  [[ -f "$WORK/pg/data/postmaster.pid" ]] &&
    as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m immediate -w stop >/dev/null 2>&1
  if [[ "${KEEP:-0}" == 1 ]]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

mkdir -p "$WORK/pg"
[[ $EUID == 0 ]] && chown postgres "$WORK" "$WORK/pg"
PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg "$PG_BIN/initdb" -D "$WORK/pg/data" -U sluice -A trust --no-sync >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w -o "-k $WORK/pg \
  -c listen_addresses=127.0.0.1 -p $PG_PORT -c fsync=off -c synchronous_commit=off \
  ${SLUICE_PG_SETTINGS:-}" start >/dev/null
PG_PID=$(head -1 "$WORK/pg/data/postmaster.pid")

# CPU seconds of the PostgreSQL server: the postmaster, its live children and those it reaped.
pg_cpu() {
  local t c
  t=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$PG_PID/stat")
  for c in $(ps -o pid= --ppid "$PG_PID"); do
    t=$((t + $(awk '{ print $14 + $15 }' "/proc/$c/stat" 2>/dev/null || echo 0)))
  done
  awk -v t="$t" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

# One run with $2 servers on a fresh database, one client per server; output in $WORK/$1.
pg_round() {
  local name=$1 servers=$2 i db="r_${1//-/_}" pids=() ports=() cpu0 cpu1
  psql -q -h 127.0.0.1 -p "$PG_PORT" -U sluice postgres -c "CREATE DATABASE $db"
  for i in $(seq 1 "$servers"); do
    mkdir -p "$WORK/$name-s$i/data"
    # The first server bootstraps the org, project and key; the others share its credentials.
    [[ $i -gt 1 ]] && cp "$WORK/$name-s1/data/credentials" "$WORK/$name-s$i/data/"
    start_server "$WORK/$name-s$i" --store "postgres://sluice@127.0.0.1:$PG_PORT/$db"
    pids+=("$SERVER_PID")
    ports+=("$PORT")
    PIDS+=("$SERVER_PID")
    SERVER_PID=""
  done
  echo "== $name: $servers server(s) on one PostgreSQL database (pids ${pids[*]}) =="
  cpu0=$(pg_cpu)
  local clients=() t0
  t0=$(date +%s.%N)
  for i in $(seq 1 "$servers"); do
    (
      "$BUILD/bench/ingest/sluice-ingest-bench" http --url "http://127.0.0.1:${ports[$((i - 1))]}" \
        --api-key "$API_KEY" --project-id "$PROJECT_ID" --server-pid "${pids[$((i - 1))]}" \
        --spans "$SPANS" --batch-size "$BATCH_SIZE" --connections "$CONNECTIONS" \
        --seed "$((SEED + i))" --text-bytes "$TEXT_BYTES" >"$WORK/$name-c$i.out" 2>&1
      date +%s.%N >"$WORK/$name-c$i.end"
    ) &
    clients+=($!)
  done
  for c in "${clients[@]}"; do wait "$c" || echo "a client failed" >&2; done
  cpu1=$(pg_cpu)
  for i in $(seq 1 "$servers"); do sed "s/^/  client $i: /" "$WORK/$name-c$i.out"; done
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  # The total over the window from the first client's first post (after generating its
  # batches) to the last client's end: the clients' posting does not overlap exactly.
  local first=1e30 last=0 start end i
  for i in $(seq 1 "$servers"); do
    start=$(awk -v t="$t0" '/^generated/ {
      for (i = 1; i <= NF; i++) if ($i == "in") printf "%.3f", t + $(i + 1) }' "$WORK/$name-c$i.out")
    end=$(cat "$WORK/$name-c$i.end")
    first=$(awk -v a="$first" -v b="$start" 'BEGIN { printf "%.3f", (b < a ? b : a) }')
    last=$(awk -v a="$last" -v b="$end" 'BEGIN { printf "%.3f", (b > a ? b : a) }')
  done
  awk -v n="$((SPANS * servers))" -v a="$first" -v b="$last" \
    'BEGIN { printf "%.0f\n", n / (b - a) }' >"$WORK/$name.total"
  awk -v c="$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { print b - a }')" -v n="$((SPANS * servers))" \
    -v t="$(cat "$WORK/$name.total")" 'BEGIN { printf "  total %.0f spans/s (all spans over the window from the first post to the last answer); PostgreSQL server CPU %.2f s: %.1f ms per 1,000 spans\n", t, c, c * 1e6 / n }'
}

for round in $(seq 1 "$ROUNDS"); do
  pg_round "one-$round" 1
  pg_round "two-$round" 2
done
best_total() { cat "$WORK/$1"-*.total | sort -n | tail -1; }
ONE=$(best_total one)
TWO=$(best_total two)
awk -v a="$ONE" -v b="$TWO" 'BEGIN {
  printf "== best one server %.0f spans/s, best two servers %.0f spans/s: %.2fx ==\n", a, b, b / a }'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
