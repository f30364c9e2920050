"""`sluice import` against a real `sluice serve` and its exports: rows deleted by retention past
their grace period come back from the export equal to the originals field by field (DuckDB reads
the export before and an export of the imported rows after), importing twice changes nothing, a
corrupted file or a manifest that disagrees stops the import naming the file with the earlier
files applied and nothing of the bad one, a SIGKILLed import run again leaves every row once,
and date folders, filters and JSON Lines from another tool work.

Usage: python3 import_test.py /path/to/sluice   (CTest passes the built binary)
"""
import datetime
import glob
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

from export_support import duckdb, export_config, ingest, sql_str
from sluice_server import SluiceServer

BINARY = None
DAY = 86400


def iso_days_ago(days):
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days)
    return t.isoformat(timespec="microseconds").replace("+00:00", "Z")


def rows_for(n, prefix, created):
    out = []
    for i in range(n):
        root = i - i % 4
        e = {"id": f"{prefix}{i:05d}", "span_id": f"{prefix}{i:05d}",
             "root_span_id": f"{prefix}{root:05d}", "created": created,
             "input": {"q": f"question {i}", "n": i}, "output": f"answer {i}",
             "scores": {"acc": (i % 5) / 4}, "metrics": {"tokens": i, "start": 1.5 + i},
             "metadata": {"keep": i % 3 == 0, "group": f"g{i % 7}"},
             "span_attributes": {"name": f"step-{i % 4}", "type": "llm" if i % 2 else "task"},
             "tags": [f"t{i % 2}"] if i % 5 else None}
        if i != root:
            e["span_parents"] = [f"{prefix}{root:05d}"]
        out.append({k: v for k, v in e.items() if v is not None})
    return out


class ImportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = SluiceServer(BINARY, extra_args=["--scheduler-tick-seconds", "1"]).start()
        creds = cls.srv.credentials()
        cls.key = creds["api_key"]
        cls.tmp = tempfile.mkdtemp(prefix="sluice-import-")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # -- helpers --
    def call(self, method, path, body=None):
        return self.srv.request(method, path, body, key=self.key)

    def new_project(self):
        s, p = self.call("POST", "/v1/project", {"name": f"p-{uuid.uuid4()}"})
        self.assertEqual(s, 200, p)
        return p["id"]

    def export(self, pid, directory, fmt="jsonl", batch_size=100):
        """Exports the project's spans to file://directory and returns the directory."""
        return self.export_definition(pid, directory, fmt, {"type": "log_spans"}, batch_size)

    def export_definition(self, pid, directory, fmt, definition, batch_size=100):
        self.run_export(self.create_export(pid, directory, fmt, definition, batch_size))
        return directory

    def create_export(self, pid, directory, fmt="jsonl", definition=None, batch_size=100):
        """A registered, paused export to file://directory; returns its id."""
        token = self.srv.admin("create-key", "--name", "exp", "--project", pid,
                               "--service-token").stdout.strip()
        s, a = self.call("POST", "/v1/project_automation", {
            "project_id": pid, "name": f"e-{uuid.uuid4()}",
            # Paused: only manual runs write (the scheduler would start one too).
            "config": export_config("file://" + directory, fmt=fmt,
                                    definition=definition or {"type": "log_spans"},
                                    batch_size=batch_size, max_iterations=1000,
                                    status="paused")})
        self.assertEqual(s, 200, a)
        s, r = self.call("POST", "/automation/cron", {"automation_id": a["id"],
                                                       "cron": {"type": "btql_export"},
                                                       "service_token": token})
        self.assertEqual(s, 200, r)
        return a["id"]

    def run_export(self, automation_id):
        s, run = self.call("POST", f"/automation/cron/{automation_id}/run", {})
        self.assertEqual(s, 200, run)

    def fetch(self, pid):
        rows, cursor = [], None
        while True:
            s, r = self.call("POST", f"/v1/project_logs/{pid}/fetch",
                             {"limit": 1000, **({"cursor": cursor} if cursor else {})})
            self.assertEqual(s, 200, r)
            if not r["events"]:
                return rows
            rows += r["events"]
            cursor = r["cursor"]

    def import_args(self, source, pid, *extra):
        return [BINARY, "import", *(["file://" + source] if source else []), "--project", pid,
                "--url", f"http://127.0.0.1:{self.srv.port}", "--data-dir", self.srv.data_dir,
                *extra]

    def sluice_import(self, source, pid, *extra, check=True):
        r = subprocess.run(self.import_args(source, pid, *extra), capture_output=True, text=True,
                           timeout=300)
        if check:
            self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def export_rows(self, directory):
        """Every exported row, read by DuckDB, without _xact_id, keyed by id."""
        files = sorted(glob.glob(os.path.join(directory, "**", "*.jsonl"), recursive=True))
        files = [f for f in files if "/_sluice/" not in f]
        got = duckdb("SELECT * EXCLUDE (_xact_id) FROM read_json(" +
                     "[" + ",".join(sql_str(f) for f in files) + "], format='newline_delimited', "
                     "columns={id:'VARCHAR', _xact_id:'BIGINT', created:'VARCHAR', "
                     "project_id:'VARCHAR', log_id:'VARCHAR', span_id:'VARCHAR', "
                     "root_span_id:'VARCHAR', span_parents:'VARCHAR[]', is_root:'BOOLEAN', "
                     "input:'JSON', output:'JSON', scores:'JSON', metrics:'JSON', "
                     "metadata:'JSON', span_attributes:'JSON', tags:'VARCHAR[]'})")
        return {r["id"]: r for r in got}

    # -- tests --
    def test_rows_retention_purged_come_back_equal_and_a_second_import_changes_nothing(self):
        pid = self.new_project()
        old = rows_for(250, "o", iso_days_ago(40))
        new = rows_for(50, "n", iso_days_ago(1))
        ingest(self.srv, self.key, pid, old + new, batch=100)
        before = self.export(pid, os.path.join(self.tmp, "first"))
        s, ret = self.call("POST", "/v1/project_automation", {
            "project_id": pid, "name": "drop",
            "config": {"event_type": "retention", "object_type": "project_logs",
                       "retention_days": 30, "grace_seconds": 0}})
        self.assertEqual(s, 200, ret)
        self.assertEqual(self.call("POST", f"/automation/retention/{ret['id']}/run")[0], 200)
        deadline = time.time() + 30
        while time.time() < deadline and len(self.fetch(pid)) != 50:
            time.sleep(0.3)
        # Soft deleted and purged (grace 0): only the new rows are left.
        self.assertEqual(len(self.fetch(pid)), 50)
        self.call("PATCH", f"/v1/project_automation/{ret['id']}", {"config": {"status": "paused"}})
        r = self.sluice_import(before, pid)
        self.assertIn("imported 300 rows from 3 files", r.stdout)
        self.assertIn("import: 3/3 files, 300 rows", r.stderr)
        after = self.export(pid, os.path.join(self.tmp, "after"))
        original, imported = self.export_rows(before), self.export_rows(after)
        self.assertEqual(len(original), 300)
        self.assertEqual(set(imported), set(original))
        for rid, row in original.items():
            self.assertEqual(imported[rid], row, rid)
        again = self.sluice_import(before, pid)
        self.assertIn("imported 300 rows", again.stdout)
        rows = self.fetch(pid)
        self.assertEqual(len(rows), 300)
        self.assertEqual(len({r["id"] for r in rows}), 300)

    def parquet_rows(self, directory, exclude):
        """Every row of the Parquet files under directory, read by DuckDB, keyed by id."""
        files = sorted(f for f in glob.glob(os.path.join(directory, "**", "*.parquet"),
                                            recursive=True) if "/_sluice/" not in f)
        got = duckdb(f"SELECT * EXCLUDE ({', '.join(exclude)}) FROM read_parquet(" +
                     "[" + ",".join(sql_str(f) for f in files) + "], union_by_name=true)")
        return {r["id"]: r for r in got}

    def test_parquet_spans_and_traces_exports_come_back(self):
        src = self.new_project()
        originals = rows_for(120, "q", iso_days_ago(3))
        ingest(self.srv, self.key, src, originals, batch=40)
        spans = self.export(src, os.path.join(self.tmp, "pq-spans"), fmt="parquet", batch_size=50)
        # Retention deletes every row for good (grace 0), then the Parquet export brings them back.
        s, ret = self.retention(src, retention_days=1, grace_seconds=0, wait_for_export=False)
        self.assertEqual(s, 200, ret)
        s, run = self.call("POST", f"/automation/retention/{ret['id']}/run")
        self.assertEqual((s, run["stats"]["soft_deleted"]), (200, 120), run)
        deadline = time.time() + 30
        while time.time() < deadline:
            s, status = self.call("GET", f"/automation/retention/{ret['id']}/status")
            if status["last_run"]["stats"]["purged"] == 120:
                break
            time.sleep(0.3)
        self.assertEqual(status["last_run"]["stats"]["purged"], 120, status)
        self.assertEqual(self.fetch(src), [])
        r = self.sluice_import(spans, src)
        self.assertIn("imported 120 rows from 3 files", r.stdout)
        again = self.export(src, os.path.join(self.tmp, "pq-again"), fmt="parquet")
        # Field by field, as DuckDB reads the files before the deletion and after the import.
        before = self.parquet_rows(spans, ["_xact_id"])
        after = self.parquet_rows(again, ["_xact_id"])
        self.assertEqual(len(before), 120)
        self.assertEqual(set(after), set(before))
        for rid, row in before.items():
            self.assertEqual(after[rid], row, rid)
        self.sluice_import(spans, src)
        self.assertEqual(len(self.fetch(src)), 120)
        # A traces export, Parquet and JSON Lines: one row per trace, its root span.
        roots = {e["id"]: e for e in originals if "span_parents" not in e}
        for fmt in ("parquet", "jsonl"):
            traces = self.export_definition(src, os.path.join(self.tmp, "traces-" + fmt), fmt,
                                            {"type": "log_traces"})
            target = self.new_project()
            r = self.sluice_import(traces, target)
            self.assertIn(f"imported {len(roots)} rows", r.stdout)
            got = {e["id"]: e for e in self.fetch(target)}
            self.assertEqual(set(got), set(roots), fmt)
            for rid, e in got.items():
                self.assertEqual((e["input"], e["output"], e["root_span_id"], e["created"]),
                                 (roots[rid]["input"], roots[rid]["output"], rid,
                                  roots[rid]["created"]), (fmt, rid))
        # A Parquet file that is not one: named, nothing of it stored.
        broken = os.path.join(self.tmp, "pq-broken")
        shutil.copytree(spans, broken)
        first = sorted(glob.glob(os.path.join(broken, "**", "*.parquet"), recursive=True))[0]
        with open(first, "r+b") as f:
            f.seek(-8, os.SEEK_END)  # the footer's length
            f.write(b"\xff\xff\xff\x7f")
        manifests = glob.glob(os.path.join(broken, "_sluice", "manifests", "*.json"))
        digest = hashlib.sha256(open(first, "rb").read()).hexdigest()
        for path in manifests:  # the manifest agrees, so the reader itself must notice
            m = json.load(open(path))
            for entry in m["files"]:
                if entry["key"].endswith(os.path.basename(first)):
                    entry["sha256"] = digest
            json.dump(m, open(path, "w"))
        empty = self.new_project()
        r = self.sluice_import(broken, empty, check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(os.path.basename(first), r.stderr)
        self.assertEqual(self.fetch(empty), [])

    def retention(self, pid, **config):
        s, a = self.call("POST", "/v1/project_automation", {
            "project_id": pid, "name": f"r-{uuid.uuid4()}",
            "config": {"event_type": "retention", "object_type": "project_logs",
                       "retention_days": 30, "status": "paused", **config}})
        return s, a

    def test_archive_first_deletes_only_what_the_export_wrote_and_brings_it_back(self):
        pid = self.new_project()
        old = rows_for(200, "a", iso_days_ago(40))
        ingest(self.srv, self.key, pid, old + rows_for(20, "z", iso_days_ago(1)), batch=100)
        directory = os.path.join(self.tmp, "archive")
        export_id = self.create_export(pid, directory)
        traces_id = self.create_export(pid, os.path.join(self.tmp, "archive-traces"),
                                       definition={"type": "log_traces"})
        # What archive_first accepts: an export of these logs that writes every span.
        for config, fragment in [
                ({"archive_first": str(uuid.uuid4())}, "no export automation"),
                ({"archive_first": traces_id}, "does not write every span"),
                ({"archive_first": export_id, "wait_for_export": False},
                 "cannot be false with archive_first"),
                ({"archive_first": export_id, "object_type": "dataset"}, "project_logs")]:
            s, r = self.retention(pid, **config)
            self.assertEqual(s, 400, (config, r))
            self.assertIn(fragment, r["error"]["message"])
        s, policy = self.retention(pid, archive_first=export_id, grace_seconds=0,
                                   exempt_filter="metadata.keep = true")
        self.assertEqual(s, 200, policy)
        run_path = f"/automation/retention/{policy['id']}/run"
        # The export has not run (and is paused): nothing is deleted, everything is held back.
        s, held = self.call("POST", run_path)
        self.assertEqual(s, 200, held)
        self.assertEqual(held["stats"]["soft_deleted"], 0, held)
        self.assertEqual(held["stats"]["held_back"], 133, held)
        self.assertIn("has not written anything yet", held["stats"]["held_back_reason"])
        self.assertEqual(len(self.fetch(pid)), 220)
        self.run_export(export_id)
        s, run = self.call("POST", run_path)
        self.assertEqual(s, 200, run)
        deleted = {e["id"] for e in old if not e["metadata"]["keep"]}
        self.assertEqual(run["stats"]["soft_deleted"], len(deleted), run)
        # The run names exactly the files that hold what it deleted.
        holding = set()
        for path in glob.glob(os.path.join(directory, "**", "*.jsonl"), recursive=True):
            with open(path) as f:
                ids = {json.loads(line)["id"] for line in f}
            if ids & deleted:
                holding.add(os.path.relpath(path, directory))
        self.assertEqual(set(run["stats"]["archive"]["files"]), holding)
        self.assertEqual(run["stats"]["archive"]["automation_id"], export_id)
        self.assertEqual(len(self.fetch(pid)), 220 - len(deleted))
        deadline = time.time() + 30  # grace 0: the scheduler purges within a tick
        while time.time() < deadline:
            s, status = self.call("GET", f"/automation/retention/{policy['id']}/status")
            if status["last_run"]["stats"]["purged"] == len(deleted):
                break
            time.sleep(0.3)
        self.assertEqual(status["last_run"]["stats"]["purged"], len(deleted), status)
        # A row the run kept, changed since: bringing the archive back must not undo that.
        kept = old[0]
        self.assertTrue(kept["metadata"]["keep"])
        ingest(self.srv, self.key, pid, [dict(kept, output="changed since")])
        s, _ = self.call("PATCH", f"/v1/project_automation/{policy['id']}",
                         {"config": {"status": "active"}})
        self.assertEqual(s, 200)
        r = self.sluice_import(None, pid, "--retention-run", run["id"])
        self.assertIn(f"imported {len(deleted)} rows", r.stdout)
        # As a restore does, bringing rows back pauses the policy that would delete them again.
        s, status = self.call("GET", f"/automation/retention/{policy['id']}/status")
        self.assertEqual(status["status"], "paused", status)
        self.assertIn("left as they are", r.stderr)
        rows = {e["id"]: e for e in self.fetch(pid)}
        self.assertEqual(len(rows), 220)
        self.assertEqual(rows[kept["id"]]["output"], "changed since")
        for e in old:
            if e["id"] in deleted:
                got = rows[e["id"]]
                self.assertEqual({k: got.get(k) for k in e}, e, e["id"])
        again = self.sluice_import(None, pid, "--retention-run", run["id"])
        self.assertIn("imported 0 rows", again.stdout)
        # A run without an archive says so.
        s, plain = self.retention(pid, wait_for_export=False)
        s, plain_run = self.call("POST", f"/automation/retention/{plain['id']}/run")
        self.assertEqual(s, 200, plain_run)
        s, r = self.call("POST", f"/v1/project_logs/{pid}/import",
                         {"retention_run_id": plain_run["id"]})
        self.assertEqual(s, 400, r)
        self.assertIn("has no archive", r["error"]["message"])

    def test_a_bad_file_is_named_and_nothing_of_it_is_applied(self):
        src = self.new_project()
        ingest(self.srv, self.key, src, rows_for(300, "b", iso_days_ago(1)), batch=100)
        good = self.export(src, os.path.join(self.tmp, "good"))
        files = sorted(f for f in glob.glob(os.path.join(good, "**", "*.jsonl"), recursive=True))
        self.assertEqual(len(files), 3)
        # One byte changed in the second file: its SHA-256 no longer matches.
        corrupt = os.path.join(self.tmp, "corrupt")
        shutil.copytree(good, corrupt)
        second = os.path.join(corrupt, os.path.relpath(files[1], good))
        with open(second, "r+b") as f:
            data = f.read()
            f.seek(data.index(b"answer"))
            f.write(b"ANSWER")
        dst = self.new_project()
        r = self.sluice_import(corrupt, dst, check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(os.path.basename(second), r.stderr)
        self.assertIn("SHA-256", r.stderr)
        ids = sorted(e["id"] for e in self.fetch(dst))
        self.assertEqual(ids, sorted(json.loads(l)["id"] for l in open(files[0])))
        # A manifest that disagrees on the row count: named too.
        lying = os.path.join(self.tmp, "lying")
        shutil.copytree(good, lying)
        [manifest] = glob.glob(os.path.join(lying, "_sluice", "manifests", "*.json"))
        m = json.load(open(manifest))
        m["files"][2]["rows"] += 1
        json.dump(m, open(manifest, "w"))
        r = self.sluice_import(lying, self.new_project(), check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn(os.path.basename(m["files"][2]["key"]), r.stderr)
        self.assertIn("holds 100 rows; its manifest says 101", r.stderr)
        # A file the manifest lists but the bucket lacks.
        os.remove(os.path.join(lying, m["files"][0]["key"]))
        r = self.sluice_import(lying, self.new_project(), check=False)
        self.assertIn("listed in the export's manifest but missing", r.stderr)

    def test_an_import_killed_with_the_server_run_again_leaves_every_row_once(self):
        src = self.new_project()
        ingest(self.srv, self.key, src, rows_for(4000, "k", iso_days_ago(1)), batch=500)
        exported = self.export(src, os.path.join(self.tmp, "big"), batch_size=100)
        dst = self.new_project()
        # The server runs the import: it dies (SIGKILL, as a power cut) once 5 of the 40 files
        # are committed, and is started again.
        self.srv.stop()
        os.environ["SLUICE_FAULT_KILL_AT"] = "imported:5"
        try:
            self.srv.start()
        finally:
            del os.environ["SLUICE_FAULT_KILL_AT"]
        r = self.sluice_import(exported, dst, check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("cannot reach the sluice server", r.stderr)
        self.srv.proc.wait(timeout=30)
        self.srv.start()
        self.assertEqual(len(self.fetch(dst)), 500)
        self.sluice_import(exported, dst)
        ids = [e["id"] for e in self.fetch(dst)]
        self.assertEqual(len(ids), 4000)
        self.assertEqual(len(set(ids)), 4000)

    def test_date_folders_filters_and_files_from_another_tool(self):
        src = self.new_project()
        ingest(self.srv, self.key, src, rows_for(60, "f", iso_days_ago(1)))
        exported = self.export(src, os.path.join(self.tmp, "sel"))
        today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        dst = self.new_project()
        r = self.sluice_import(exported, dst, "--to", "2001-01-01")
        self.assertIn("imported 0 rows from 0 files", r.stdout)
        r = self.sluice_import(exported, dst, "--from", today, "--filter", "metadata.keep = true")
        self.assertIn("imported 20 rows from 1 files", r.stdout)
        self.assertIn("40 left out by the filter", r.stderr)
        self.assertTrue(all(e["metadata"]["keep"] for e in self.fetch(dst)))
        r = self.sluice_import(exported, dst, "--filter", "metadata.keep = ", check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("filter:", r.stderr)
        # JSON Lines of Braintrust's row shape written by another tool: no manifest, checked as
        # the insert API checks rows.
        other = os.path.join(self.tmp, "pulled")
        os.makedirs(other)
        with open(os.path.join(other, "rows.jsonl"), "w") as f:
            for i in range(5):
                f.write(json.dumps({"id": f"pulled{i}", "_xact_id": str(1000 + i),
                                    "project_id": src, "log_id": "g", "input": i,
                                    "_pagination_key": f"p{i}", "created": iso_days_ago(2)}) + "\n")
        target = self.new_project()
        r = self.sluice_import(other, target)
        self.assertIn("imported 5 rows from 1 files", r.stdout)
        with open(os.path.join(other, "bad.jsonl"), "w") as f:
            f.write(json.dumps({"id": "x", "scores": {"acc": 3}}) + "\n")
        r = self.sluice_import(other, self.new_project(), check=False)
        self.assertIn("bad.jsonl:1.scores.acc", r.stderr)

    def test_the_import_api_refuses_what_it_should_and_reports_progress(self):
        pid = self.new_project()
        ingest(self.srv, self.key, pid, rows_for(30, "a", iso_days_ago(1)))
        exported = self.export(pid, os.path.join(self.tmp, "api"))
        path = f"/v1/project_logs/{pid}/import"
        for body, status, fragment in [
                ({}, 400, "automation_id"),
                ({"export_path": "s3://bucket/x"}, 400, "automation_id of the export"),
                ({"export_path": "file://" + exported, "filter": "metadata.keep ="}, 400,
                 "filter:"),
                ({"export_path": "file://" + exported, "from": "yesterday"}, 400, "YYYY-MM-DD"),
                ({"automation_id": str(uuid.uuid4())}, 404, "not found")]:
            s, r = self.call("POST", path, body)
            self.assertEqual(s, status, (body, r))
            self.assertIn(fragment, r["error"]["message"])
        writer = self.srv.admin("create-key", "--name", "w", "--project", pid, "--permission",
                                "write").stdout.strip()
        s, r = self.srv.request("POST", path, {"export_path": "file://" + exported}, key=writer)
        self.assertEqual(s, 403, r)
        self.assertIn("org-wide admin", r["error"]["message"])
        s, job = self.call("POST", path, {"export_path": "file://" + exported})
        self.assertEqual(s, 202, job)
        deadline = time.time() + 30
        while job["status"] == "running" and time.time() < deadline:
            time.sleep(0.1)
            s, job = self.call("GET", f"/v1/import/{job['id']}")
        self.assertEqual((job["status"], job["rows"], job["files_done"], job["files_total"]),
                         ("success", 30, 1, 1), job)
        other = self.srv.admin("create-org", "--name", f"o-{uuid.uuid4()}").stdout
        okey = dict(l.split("=", 1) for l in other.strip().splitlines())["api_key"]
        s, r = self.srv.request("GET", f"/v1/import/{job['id']}", key=okey)
        self.assertEqual(s, 404, r)


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
