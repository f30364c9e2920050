#!/usr/bin/env bash
# The server's peak RSS while it answers one /btql query for every stored row (limit 1,000,000),
# followed through its cursors, under each --max-answer-bytes given: a bound of 1 TiB is the
# answer built whole. Spans are posted once into a fresh server (SPANS, ~1.9 KB each), then for
# each bound a server starts on that data, the pages are read with Python's urllib (Python on
# PATH, stdlib only), and the rows counted and checked distinct.
#
#   bench/query/answer_memory.sh                                  # 1 TiB, 64 MiB, 8 MiB
#   SORT=" | sort: id" bench/query/answer_memory.sh 1099511627776 67108864
#   SELECT=id SORT=" | sort: id" bench/query/answer_memory.sh 1099511627776 67108864
#
# Environment: BUILD_DIR (default <repo>/build-bench), SPANS (300000), SELECT (the select list,
# default *), SORT (a clause appended to the query), SKIP_BUILD=1, KEEP=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
SPANS=${SPANS:-300000}
BATCH_SIZE=1000
CONNECTIONS=4
SEED=1
TEXT_BYTES=1250
export SORT=${SORT:-}
export SELECT=${SELECT:-*}
BOUNDS=("$@")
[[ ${#BOUNDS[@]} -gt 0 ]] || BOUNDS=(1099511627776 67108864 8388608)

source "$ROOT/bench/ingest/server.sh"
[[ "${SKIP_BUILD:-0}" == 1 ]] || build

make_work_dir sluice-answer-bench
start_server "$WORK"
post_spans "$WORK/post.out" >/dev/null
grep -E '^http' "$WORK/post.out"
stop_server

for bound in "${BOUNDS[@]}"; do
  start_server "$WORK" --max-answer-bytes "$bound"
  python3 - "$PORT" "$API_KEY" "$PROJECT_ID" "$SERVER_PID" "$bound" "$SPANS" <<'PY'
import json, os, sys, time, urllib.request

port, key, project, server_pid, bound, spans = sys.argv[1:]


def peak_mib():
    with open(f"/proc/{server_pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1]) // 1024
    return -1


query = (f"select: {os.environ['SELECT']} | from: project_logs('{project}') | limit: 1000000" +
         os.environ["SORT"])
before = peak_mib()
start = time.time()
cursor, pages, rows, answer_bytes, ids = None, 0, 0, 0, set()
while True:
    body = {"query": query}
    if cursor:
        body["cursor"] = cursor
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/btql", data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    raw = urllib.request.urlopen(request, timeout=1800).read()
    answer = json.loads(raw)
    pages += 1
    rows += len(answer["data"])
    answer_bytes += len(raw)
    ids.update(row["id"] for row in answer["data"])
    cursor = answer.get("cursor")
    if not cursor:
        break
print(f"--max-answer-bytes {bound}: {rows} rows ({len(ids)} distinct) in {pages} pages, "
      f"{answer_bytes / 2**20:.0f} MiB of answers in {time.time() - start:.1f} s; "
      f"server peak RSS {before} -> {peak_mib()} MiB")
if rows != int(spans) or len(ids) != rows:
    sys.exit(f"expected each of the {spans} spans once")
PY
  stop_server
done
