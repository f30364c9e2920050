"""Export automations end to end through the real `sluice serve`, with moto as a strict AWS:
250k spans to Parquet and only new rows on the next run, traces as JSON Lines, a custom query
with a filter, registration rules (service token checks, 400 before registering), the
connection test with a wrong ExternalId, and an AccessDenied on PutObject recorded in the run
history with the cursor unchanged. The files are judged with boto3 and DuckDB.

Usage: python3 export_test.py /path/to/sluice   (python3 with moto and boto3; node on PATH)
"""
import os
import re
import sys
import tempfile
import time
import unittest
import uuid

from export_support import (BUCKET, ExportServer, Moto, duckdb, export_config, ingest,
                            server_env, spans, sql_str)

BINARY = None
NOT_REGISTERED = "automation is not registered: POST /automation/cron"
SPANS = 250_000


class ExportEndToEndTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = Moto()
        cls.srv = ExportServer(BINARY, server_env(cls.moto)).start()
        cls.key = cls.srv.credentials()["api_key"]
        status, p = cls.srv.request("POST", "/v1/project", {"name": "exports"}, key=cls.key)
        assert status == 200, p
        cls.pid = p["id"]
        cls.token = cls.service_token("exporter", cls.pid)
        started = time.time()
        ingest(cls.srv, cls.key, cls.pid, spans(SPANS))
        print(f"\ningested {SPANS} spans in {time.time() - started:.1f} s", file=sys.stderr)
        cls.total = SPANS
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.moto.stop()
        cls.tmp.cleanup()

    @classmethod
    def service_token(cls, name, project_id):
        r = cls.srv.admin("create-key", "--name", name, "--project", project_id, "--service-token")
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def call(self, method, path, body=None, key=None):
        return self.srv.request(method, path, body, key=key or self.key)

    def create(self, name, prefix, fmt="parquet", definition=None, role_prefix=None,
               trusted_external_id=None, **extra):
        """An export to s3://BUCKET/<prefix> with its own role (policy on role_prefix)."""
        role = f"role-{name}"
        cfg = export_config(f"s3://{BUCKET}/{prefix}", fmt, definition,
                            self.moto.role_arn(role), **extra)
        status, a = self.call("POST", "/v1/project_automation",
                              {"project_id": self.pid, "name": name, "config": cfg})
        self.assertEqual(status, 200, a)
        external_id = a["config"]["credentials"]["external_id"]
        self.moto.make_role(role, trusted_external_id or external_id, role_prefix or prefix)
        return a

    def register(self, a, token=None, cron_type="btql_export", expect=200):
        status, body = self.call("POST", "/automation/cron",
                                 {"automation_id": a["id"], "cron": {"type": cron_type},
                                  "service_token": token or self.token})
        self.assertEqual(status, expect, body)
        return body

    def run_export(self, a, expect=200):
        started = time.time()
        status, run = self.call("POST", f"/automation/cron/{a['id']}/run")
        self.assertEqual(status, expect, run)
        run["seconds"] = time.time() - started
        return run

    def status(self, a, query=""):
        status, body = self.call("GET", f"/automation/cron/{a['id']}/status{query}")
        self.assertEqual(status, 200, body)
        return body

    def data_keys(self, prefix):
        return [k for k in self.moto.keys(prefix) if "/_sluice/" not in k]

    def read(self, paths, fmt):
        files = "[" + ", ".join(sql_str(p) for p in paths) + "]"
        if fmt == "parquet":
            return f"read_parquet({files})"
        return f"read_json({files}, format='newline_delimited')"

    def test_1_spans_as_parquet_exactly_once_then_only_new_rows(self):
        a = self.create("spans", "spans/logs", batch_size=100_000)
        reg = self.register(a)
        self.assertEqual(reg["cursor"], {"xact_id": "0", "row_key": 0})
        self.assertIsNone(reg["last_run"])
        self.assertEqual(reg["backlog_rows"], SPANS)
        self.assertFalse(reg["backlog_capped"])
        self.assertNotIn(self.token, str(reg))

        run = self.run_export(a)
        print(f"\nexported {SPANS} spans to Parquet in {run['seconds']:.1f} s", file=sys.stderr)
        self.assertEqual(run["status"], "success", run)
        self.assertEqual(run["trigger"], "manual")
        self.assertEqual(run["stats"]["rows"], SPANS)
        self.assertEqual(run["stats"]["files"], 3)
        keys = self.data_keys("spans/logs")
        self.assertEqual(len(keys), 3)
        for k in keys:
            self.assertRegex(k, r"^spans/logs/\d{4}-\d{2}-\d{2}/export_00[123]\.parquet$")
        paths = self.moto.download(keys, self.tmp.name)
        got = duckdb(f"SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, "
                     f"max(id) AS hi, count(*) FILTER (WHERE NOT regexp_full_match(id, "
                     f"'s[0-9]{{7}}')) AS odd FROM {self.read(paths, 'parquet')}")[0]
        self.assertEqual(got, {"n": str(SPANS), "d": str(SPANS), "lo": "s0000000",
                               "hi": f"s{SPANS - 1:07d}", "odd": "0"})
        row = duckdb(f"SELECT CAST(input AS VARCHAR) AS input, CAST(metadata AS VARCHAR) AS m, "
                     f"root_span_id FROM {self.read(paths, 'parquet')} WHERE id = 's0000042'")
        self.assertEqual(row, [{"input": '{"question":"q42"}', "m": '{"group":0,"n":42}',
                                "root_span_id": "s0000040"}])
        manifest = self.moto.manifests("spans/logs")
        self.assertEqual(len(manifest), 1)
        self.assertEqual(sorted(f["key"] for f in manifest[0]["files"]), keys)
        self.assertEqual(sum(f["rows"] for f in manifest[0]["files"]), SPANS)

        st = self.status(a)
        self.assertNotEqual(st["cursor"]["xact_id"], "0")
        self.assertEqual(st["backlog_rows"], 0)
        self.assertEqual(st["last_run"]["id"], run["id"])
        self.assertEqual([r["id"] for r in st["runs"]], [run["id"]])
        self.assertIsNotNone(st["next_run"])

        more = 5_000
        ingest(self.srv, self.key, self.pid, spans(more, start=SPANS))
        type(self).total = SPANS + more
        self.assertEqual(self.status(a)["backlog_rows"], more)
        second = self.run_export(a)
        self.assertEqual(second["status"], "success", second)
        self.assertEqual(second["stats"]["rows"], more)
        new_keys = sorted(set(self.data_keys("spans/logs")) - set(keys))
        self.assertEqual(len(new_keys), 1)
        got = duckdb(f"SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, "
                     f"max(id) AS hi FROM "
                     f"{self.read(self.moto.download(new_keys, self.tmp.name), 'parquet')}")[0]
        self.assertEqual(got, {"n": str(more), "d": str(more), "lo": f"s{SPANS:07d}",
                               "hi": f"s{SPANS + more - 1:07d}"})

        # History pages newest first.
        page = self.status(a, "?limit=1")
        self.assertEqual([r["id"] for r in page["runs"]], [second["id"]])
        older = self.status(a, f"?limit=1&before={page['next_before']}")
        self.assertEqual([r["id"] for r in older["runs"]], [run["id"]])
        self.assertIsNone(older["next_before"])

    def test_2_traces_as_json_lines(self):
        a = self.create("traces", "traces", fmt="jsonl", definition={"type": "log_traces"})
        self.register(a)
        run = self.run_export(a)
        self.assertEqual(run["status"], "success", run)
        keys = self.data_keys("traces")
        self.assertTrue(keys)
        for k in keys:
            self.assertRegex(k, r"^traces/\d{4}-\d{2}-\d{2}/export_\d{3}\.jsonl$")
        paths = self.moto.download(keys, self.tmp.name)
        traces = (self.total + 4) // 5
        got = duckdb(f"SELECT count(*) AS n, count(DISTINCT root_span_id) AS d, "
                     f"sum(span_count) AS spans, count(*) FILTER (WHERE id <> root_span_id) "
                     f"AS odd FROM {self.read(paths, 'jsonl')}")[0]
        self.assertEqual(got, {"n": str(traces), "d": str(traces), "spans": str(self.total),
                               "odd": "0"})

    def test_3_custom_query_with_a_filter(self):
        query = (f"select: id, metadata.group as g, metadata.n as n "
                 f"from: project_logs('{self.pid}') filter: metadata.group = 3")
        a = self.create("query", "query", fmt="jsonl",
                        definition={"type": "btql_query", "btql_query": query})
        self.register(a)
        run = self.run_export(a)
        self.assertEqual(run["status"], "success", run)
        paths = self.moto.download(self.data_keys("query"), self.tmp.name)
        want = sum(1 for i in range(self.total) if i % 7 == 3)
        got = duckdb(f"SELECT count(*) AS n, count(DISTINCT id) AS d, min(g) AS lo, "
                     f"max(g) AS hi, count(*) FILTER (WHERE n % 7 <> 3) AS odd "
                     f"FROM {self.read(paths, 'jsonl')}")[0]
        self.assertEqual(got, {"n": str(want), "d": str(want), "lo": "3", "hi": "3", "odd": "0"})

    def test_4_connection_test_names_the_external_id_condition(self):
        wrong = self.create("wrong-trust", "wrong/logs", trusted_external_id="someone-else")
        status, probe = self.call("POST", "/automation/test", {"automation_id": wrong["id"]})
        self.assertEqual(status, 200, probe)
        self.assertFalse(probe["ok"])
        self.assertEqual(probe["external_id"], wrong["config"]["credentials"]["external_id"])
        failed = [s for s in probe["steps"] if not s["ok"]]
        self.assertEqual(failed[0]["name"], "assume role", probe)
        self.assertIn("sts:ExternalId", failed[0]["message"])

        good = self.create("right-trust", "right/logs")
        status, probe = self.call("POST", "/automation/test",
                                  {"automation_id": good["id"], "project_id": self.pid,
                                   "config": good["config"]})
        self.assertEqual(status, 200, probe)
        self.assertTrue(probe["ok"], probe)
        names = [s["name"] for s in probe["steps"]]
        for step in ("assume role", "put", "get", "delete"):
            self.assertIn(step, names)
        self.assertEqual(self.data_keys("right/logs"), [], "the probe object is deleted")

        # A config of an automation not created yet: validated first, tested as id "new".
        cfg = dict(good["config"], interval_seconds=10)
        status, err = self.call("POST", "/automation/test", {"project_id": self.pid, "config": cfg})
        self.assertEqual(status, 400, err)
        self.assertIn("interval_seconds", err["error"]["message"])
        cfg["interval_seconds"] = 600
        status, probe = self.call("POST", "/automation/test", {"project_id": self.pid, "config": cfg})
        self.assertEqual(status, 200, probe)
        org_id = self.srv.credentials()["org_id"]
        self.assertEqual(probe["external_id"], f"sluice:{org_id}:{self.pid}:new")

    def test_5_access_denied_on_put_fails_the_run_and_keeps_the_cursor(self):
        a = self.create("denied", "denied/logs", role_prefix="elsewhere")
        self.register(a)
        run = self.run_export(a)
        self.assertEqual(run["status"], "error", run)
        self.assertIn("s3:PutObject", run["error"])
        self.assertIn(f"arn:aws:s3:::{BUCKET}/denied/logs/*", run["error"])
        st = self.status(a)
        self.assertEqual(st["cursor"], {"xact_id": "0", "row_key": 0})
        self.assertEqual(st["last_run"]["status"], "error")
        self.assertEqual(st["runs"][0]["error"], run["error"])
        self.assertEqual(self.data_keys("denied/logs"), [])

    def test_6_registration_rules_and_reset(self):
        a = self.create("rules", "rules/logs", batch_size=50_000, max_iterations=1)
        for method, path in (("GET", "status"), ("POST", "run"), ("POST", "reset")):
            status, err = self.call(method, f"/automation/cron/{a['id']}/{path}")
            self.assertEqual(status, 400, err)
            self.assertEqual(err["error"]["message"], NOT_REGISTERED)

        err = self.register(a, cron_type="sql_export", expect=400)
        self.assertIn("cron.type", err["error"]["message"])
        err = self.register(a, token="sl-st-" + "x" * 52, expect=403)
        self.assertEqual(err["error"]["message"], "service token is not valid")
        status, other = self.call("POST", "/v1/project", {"name": f"other-{uuid.uuid4()}"})
        elsewhere = self.service_token("elsewhere", other["id"])
        err = self.register(a, token=elsewhere, expect=403)
        self.assertEqual(err["error"]["message"],
                         f"service token has no read permission on project {self.pid}")
        revoked = self.service_token("revoked", self.pid)
        listing = self.srv.admin("list-keys").stdout
        revoked_id = re.search(r"^(\S+)\s+service_token\s+revoked\s", listing, re.M).group(1)
        self.assertEqual(self.srv.admin("revoke-key", revoked_id).returncode, 0)
        err = self.register(a, token=revoked, expect=403)
        self.assertEqual(err["error"]["message"], "service token is revoked")
        status, retention = self.call("POST", "/v1/project_automation", {
            "project_id": self.pid, "name": "keep-30-days",
            "config": {"event_type": "retention", "object_type": "project_logs",
                       "retention_days": 30}})
        self.assertEqual(status, 200, retention)
        err = self.register(retention, expect=400)
        self.assertIn("not an export", err["error"]["message"])
        reader = self.srv.admin("create-key", "--name", "reader", "--project", self.pid).stdout.strip()
        status, err = self.call("POST", "/automation/cron",
                                {"automation_id": a["id"], "cron": {"type": "btql_export"},
                                 "service_token": self.token}, key=reader)
        self.assertEqual(status, 403, err)

        self.register(a)
        run = self.run_export(a)
        self.assertEqual(run["status"], "warning", run)
        self.assertEqual(run["error"], "Max iterations reached while running the cron job. This "
                                       "may result in the export falling behind.")
        self.assertEqual(run["stats"]["rows"], 50_000)
        self.assertEqual(self.status(a)["last_run"]["id"], run["id"])
        status, reset = self.call("POST", f"/automation/cron/{a['id']}/reset")
        self.assertEqual(status, 200, reset)
        self.assertEqual(reset["cursor"], {"xact_id": "0", "row_key": 0})
        self.assertEqual(reset["runs"], [])
        self.assertEqual(reset["backlog_rows"], self.total)
        self.assertEqual(len(self.data_keys("rules/logs")), 1, "files already written stay")
        for secret in (self.token, elsewhere, revoked):
            self.assertNotIn(secret, self.srv.read_log())

    def test_7_the_scheduler_runs_a_registered_export_when_due(self):
        srv = ExportServer(BINARY, server_env(self.moto), tick_seconds=1).start()
        try:
            key = srv.credentials()["api_key"]
            pid = srv.credentials()["project_id"]
            ingest(srv, key, pid, spans(100))
            token = srv.admin("create-key", "--name", "exporter", "--project", pid,
                              "--service-token").stdout.strip()
            cfg = export_config(f"s3://{BUCKET}/scheduled", "jsonl",
                                role_arn=self.moto.role_arn("role-scheduled"))
            status, a = srv.request("POST", "/v1/project_automation",
                                    {"project_id": pid, "name": "scheduled", "config": cfg}, key=key)
            self.assertEqual(status, 200, a)
            self.moto.make_role("role-scheduled", a["config"]["credentials"]["external_id"],
                                "scheduled")
            status, reg = srv.request("POST", "/automation/cron", {
                "automation_id": a["id"], "cron": {"type": "btql_export"},
                "service_token": token}, key=key)
            self.assertEqual(status, 200, reg)
            deadline = time.time() + 30
            runs = []
            while not runs and time.time() < deadline:
                time.sleep(0.2)
                runs = srv.request("GET", f"/automation/cron/{a['id']}/status", key=key)[1]["runs"]
                runs = [r for r in runs if r["status"] != "running"]
            self.assertEqual(len(runs), 1, "one scheduled run, then not due for an hour")
            self.assertEqual((runs[0]["trigger"], runs[0]["status"]), ("schedule", "success"),
                             runs[0])
            self.assertEqual(runs[0]["stats"]["rows"], 100)
            time.sleep(2.5)  # a few more ticks: not due again before interval_seconds
            status, st = srv.request("GET", f"/automation/cron/{a['id']}/status", key=key)
            self.assertEqual(len(st["runs"]), 1, st)
        finally:
            srv.stop()


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
