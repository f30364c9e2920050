"""Several `sluice serve` processes on one PostgreSQL 15 database share the automations: each
due export run happens once across them (store leases), and when the process running an export
is killed mid-run another one finishes it once the lease expires. Writer processes inserting
through several servers at once, their transactions committing out of _xact_id order, lose no
row to an export running meanwhile. The files are judged with plain json, not with sluice.

Usage: multiprocess_test.py <path to sluice>. Skips when PostgreSQL 15 is not installed."""
import datetime
import http.client
import json
import multiprocessing
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sluice_server import SluiceServer, free_port  # noqa: E402

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else "sluice"
PG_BIN = os.environ.get("SLUICE_PG_BIN", "/usr/lib/postgresql/15/bin")
ROWS = 3_000
BATCH = 100         # rows per file: 30 files in all
ITERATIONS = 4      # files per run: a run stops after 4 and the next one is due at once
LEASE_SECONDS = 2
DEAD_LEASE_SECONDS = 8  # the killed process's lease: longer than the others take to start


def ts(text):
    return datetime.datetime.fromisoformat(text).timestamp()


class PgServer:
    """A throwaway PostgreSQL 15 cluster in a temp dir (as `postgres` when run as root)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sluice-mp-pg-")
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.port = free_port()

    def run(self, *args):
        cmd = (["runuser", "-u", "postgres", "--"] if self.as_postgres else []) + list(args)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60)

    def start(self):
        data = os.path.join(self.dir, "data")
        self.run(f"{PG_BIN}/initdb", "-D", data, "-U", "sluice", "-A", "trust", "--no-sync")
        self.run(f"{PG_BIN}/pg_ctl", "-D", data, "-l", os.path.join(self.dir, "log"), "-w", "-o",
                 f"-k {self.dir} -c listen_addresses=127.0.0.1 -p {self.port} -c fsync=off "
                 "-c synchronous_commit=off -c max_connections=200", "start")
        return self

    def url(self):
        return f"postgres://sluice@127.0.0.1:{self.port}/postgres"

    def stop(self):
        if os.path.exists(os.path.join(self.dir, "data", "postmaster.pid")):
            self.run(f"{PG_BIN}/pg_ctl", "-D", os.path.join(self.dir, "data"), "-m", "immediate",
                     "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class Serve(SluiceServer):
    """sluice serve on the shared database, with its own environment."""

    def __init__(self, url, tick, fault=None, lease=LEASE_SECONDS, env=None):
        super().__init__(BINARY, extra_args=[
            "--store", url, "--scheduler-tick-seconds", str(tick), "--lease-seconds", str(lease)])
        self.fault = fault
        self.env = env or {}

    def start(self):
        saved = dict(os.environ)
        os.environ.pop("SLUICE_FAULT_KILL_AT", None)
        if self.fault:
            os.environ["SLUICE_FAULT_KILL_AT"] = self.fault
        os.environ.update(self.env)
        try:
            return super().start()
        finally:
            os.environ.clear()
            os.environ.update(saved)


@unittest.skipUnless(os.path.exists(f"{PG_BIN}/initdb"),
                     f"PostgreSQL 15 server binaries not found in {PG_BIN}")
class MultiProcessTest(unittest.TestCase):
    def setUp(self):
        self.pg = PgServer().start()
        self.addCleanup(self.pg.stop)
        self.out_dir = tempfile.mkdtemp(prefix="sluice-mp-out-")
        self.addCleanup(shutil.rmtree, self.out_dir, True)
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.stop()

    def serve(self, tick, fault=None, lease=LEASE_SECONDS, env=None):
        s = Serve(self.pg.url(), tick, fault, lease, env).start()
        self.servers.append(s)
        return s

    def call(self, srv, method, path, body=None):
        status, out = srv.request(method, path, body, key=self.key)
        self.assertEqual(status, 200, out)
        return out

    def create_export(self, srv, pid, batch=BATCH, iterations=ITERATIONS):
        a = self.call(srv, "POST", "/v1/project_automation", {
            "project_id": pid, "name": "mp",
            "config": {"event_type": "btql_export", "export_definition": {"type": "log_spans"},
                       "export_path": "file://" + self.out_dir, "format": "jsonl",
                       "interval_seconds": 3600, "batch_size": batch,
                       "max_iterations": iterations}})
        r = subprocess.run([BINARY, "admin", "--store", self.pg.url(), "create-key", "--name",
                            "exporter", "--project", pid, "--service-token"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        token = [w for w in r.stdout.split() if w.startswith("sl-st-")][0]
        self.call(srv, "POST", "/automation/cron", {
            "automation_id": a["id"], "cron": {"type": "btql_export"}, "service_token": token})
        return a["id"]

    def exported_rows(self):
        rows = []
        for d, _, fs in os.walk(self.out_dir):
            if "_sluice" in d:
                continue
            for name in fs:
                with open(os.path.join(d, name)) as f:
                    rows += [json.loads(line) for line in f if line.strip()]
        return rows

    def history(self, srv, aid):
        return self.call(srv, "GET", f"/automation/cron/{aid}/status?limit=100")

    def test_runs_happen_once_and_a_killed_run_is_finished_elsewhere(self):
        # The first process runs the export by hand and dies after its 2nd upload, holding
        # the lease; the other processes are started after, so none can run it first.
        first = self.serve(tick=0, fault="uploaded:2", lease=DEAD_LEASE_SECONDS)
        creds = first.credentials()
        self.key, pid = creds["api_key"], creds["project_id"]
        events = [{"id": f"s{i:05d}", "input": f"q{i}"} for i in range(ROWS)]
        for i in range(0, ROWS, 700):
            self.call(first, "POST", f"/v1/project_logs/{pid}/insert", {"events": events[i:i + 700]})
        aid = self.create_export(first, pid)
        with self.assertRaises((OSError, http.client.HTTPException)):
            first.request("POST", f"/automation/cron/{aid}/run", key=self.key)
        # Observe the death without reaping: the pid stays taken, as that of a process on
        # another machine would look, so the others cannot tell it died and must wait for its
        # lease to expire (a restart on the same host takes over a dead pid's lease at once).
        info = os.waitid(os.P_PID, first.proc.pid, os.WEXITED | os.WNOWAIT)
        self.assertEqual((info.si_code, info.si_status), (os.CLD_KILLED, signal.SIGKILL))

        # Three live processes, each with its own data dir, on the same database.
        live = [self.serve(tick=1) for _ in range(3)]
        deadline = time.time() + 60
        while True:
            st = self.history(live[0], aid)
            last = st["runs"][0] if st["runs"] else None
            if last and last["status"] == "success" and last["stats"].get("caught_up"):
                break
            self.assertLess(time.time(), deadline, json.dumps(st)[:2000])
            time.sleep(0.3)

        for r in st["runs"]:
            r["started"] = ts(r["started"])
            r["finished"] = ts(r["finished"]) if r["finished"] else None
        runs = sorted(st["runs"], key=lambda r: r["started"])
        interrupted = [r for r in runs if r["status"] == "error"]
        self.assertEqual(len(interrupted), 1, runs)
        self.assertIn("interrupted", interrupted[0]["error"])
        done = [r for r in runs if r["status"] != "error"]
        self.assertTrue(all(r["status"] in ("success", "warning") for r in done), done)
        # Each due run once: no two runs overlap in time (one lease holder at a time).
        for a, b in zip(done, done[1:]):
            self.assertLessEqual(a["finished"], b["started"], (a, b))
        # The first run after the crash waited for the dead holder's lease to expire (taken
        # just before the interrupted run started), though the others saw it due at once.
        self.assertGreaterEqual(done[0]["started"],
                                interrupted[0]["started"] + DEAD_LEASE_SECONDS - 0.5)
        self.assertIn("redone_key", done[0]["stats"], "the pending file is redone first")
        # The work was spread over the processes' schedulers (which one wins a run varies). A
        # scheduler logs its run after the run is recorded: give the last line a moment.
        deadline = time.time() + 10
        while True:
            ran = [s.read_log().count(f"of automation {aid}:") for s in live]
            if sum(ran) >= len(done) or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(sum(ran), len(done), ran)

        # Files: no key written twice, every row exactly once by (id, _xact_id).
        manifests = os.path.join(self.out_dir, "_sluice", "manifests")
        listed = []
        for m in os.listdir(manifests):
            with open(os.path.join(manifests, m)) as f:
                listed += [x["key"] for x in json.load(f)["files"]]
        self.assertEqual(len(listed), len(set(listed)), "no file committed twice")
        rows = self.exported_rows()
        versions = {(r["id"], r["_xact_id"]) for r in rows}
        self.assertEqual(len(rows), ROWS)
        self.assertEqual(len(versions), ROWS)
        self.assertEqual({r["id"] for r in rows}, {e["id"] for e in events})
        print(f"runs per process: {ran}; {len(done)} runs after the crash", file=sys.stderr)


    def test_writer_processes_committing_out_of_order_lose_no_row_to_a_running_export(self):
        # Each server holds its insert transactions open a random 0-20 ms after taking their
        # _xact_id, so transactions of the four servers commit out of _xact_id order.
        env = {"SLUICE_TEST_XACT_DELAY_US": "20000"}
        servers = [self.serve(tick=0, env=env) for _ in range(4)]
        creds = servers[0].credentials()
        self.key, pid = creds["api_key"], creds["project_id"]
        aid = self.create_export(servers[0], pid, batch=200, iterations=1000)
        ctx = multiprocessing.get_context("fork")
        writers = [ctx.Process(target=write_batches, args=(srv.port, self.key, pid, w))
                   for w, srv in enumerate(servers)]
        for p in writers:
            p.start()
        # The export runs again and again, on each server in turn, while the writers insert.
        runs_during = 0
        while any(p.is_alive() for p in writers):
            srv = servers[runs_during % len(servers)]
            self.call(srv, "POST", f"/automation/cron/{aid}/run")
            runs_during += 1
        for p in writers:
            p.join()
            self.assertEqual(p.exitcode, 0, "a writer process failed")
        last = self.call(servers[1], "POST", f"/automation/cron/{aid}/run")
        self.assertEqual(last["status"], "success", last)
        self.assertTrue(last["stats"]["caught_up"], last)

        rows = self.exported_rows()
        expected = {f"w{w}-{b}-{i}" for w in range(WRITERS) for b in range(WRITER_BATCHES)
                    for i in range(WRITER_BATCH_ROWS)}
        ids = [r["id"] for r in rows]
        self.assertEqual(len(ids), len(set(ids)), "a row was exported twice")
        self.assertEqual(set(ids), expected, "exported rows differ from the inserted ones")
        self.assertGreater(runs_during, 2, "the export ran while the writers inserted")
        print(f"{len(ids)} rows from {WRITERS} writer processes; {runs_during} export runs "
              "during the inserts", file=sys.stderr)


WRITERS = 4
WRITER_BATCHES = 60
WRITER_BATCH_ROWS = 20


def write_batches(port, key, pid, w):
    """A writer process: inserts its batches through one server; exits non-zero on a failure."""
    for b in range(WRITER_BATCHES):
        events = [{"id": f"w{w}-{b}-{i}", "input": f"q{i}"} for i in range(WRITER_BATCH_ROWS)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", f"/v1/project_logs/{pid}/insert", json.dumps({"events": events}),
                     {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        if resp.status != 200:
            print(f"writer {w} batch {b}: {resp.status} {body[:300]!r}", file=sys.stderr)
            os._exit(1)


if __name__ == "__main__":
    unittest.main()
