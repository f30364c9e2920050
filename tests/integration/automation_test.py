"""Automations through the real `sluice serve`: the /v1/project_automation API (export and
retention configs, validation, name semantics, permissions) and retention runs: preview, soft
delete, restore, purge after grace, experiments whole, datasets kept, exempt filters, and no
loss of rows inserted while a run goes on.

Usage: python3 automation_test.py /path/to/sluice
"""
import datetime
import os
import sys
import threading
import time
import unittest
import uuid

from sluice_server import SluiceServer

BINARY = None
DAY = datetime.timedelta(days=1)


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def export_config(**overrides):
    c = {"event_type": "btql_export", "export_definition": {"type": "log_spans"},
         "export_path": "s3://my-bucket/sluice/logs", "format": "parquet",
         "interval_seconds": 3600,
         "credentials": {"type": "aws_iam", "role_arn": "arn:aws:iam::123456789012:role/export"}}
    c.update(overrides)
    return c


class AutomationApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = SluiceServer(BINARY, extra_args=["--scheduler-tick-seconds", "1"]).start()
        creds = cls.srv.credentials()
        cls.key, cls.org_id = creds["api_key"], creds["org_id"]

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def call(self, method, path, body=None, key="default"):
        return self.srv.request(method, path, body, key=self.key if key == "default" else key)

    def new_project(self):
        s, p = self.call("POST", "/v1/project", {"name": f"p-{uuid.uuid4()}"})
        self.assertEqual(s, 200, p)
        return p["id"]

    def create(self, pid, config, name=None, expect=200):
        s, a = self.call("POST", "/v1/project_automation",
                         {"project_id": pid, "name": name or f"a-{uuid.uuid4()}", "config": config})
        self.assertEqual(s, expect, a)
        return a

    def error_of(self, pid, config):
        a = self.create(pid, config, expect=400)
        self.assertEqual(a["error"]["code"], "invalid_argument")
        return a["error"]["message"]

    def insert(self, pid, events, obj="project_logs"):
        s, r = self.call("POST", f"/v1/{obj}/{pid}/insert", {"events": events})
        self.assertEqual(s, 200, r)

    def ids(self, pid, obj="project_logs"):
        out, cursor = set(), None
        while True:
            body = {"limit": 1000}
            if cursor:
                body["cursor"] = cursor
            s, r = self.call("POST", f"/v1/{obj}/{pid}/fetch", body)
            self.assertEqual(s, 200, r)
            if not r["events"]:
                return out
            out |= {e["id"] for e in r["events"]}
            cursor = r["cursor"]

    # -- the automation API --
    def test_export_config_is_validated_and_external_id_is_the_servers(self):
        pid = self.new_project()
        cfg = export_config()
        cfg["credentials"]["external_id"] = "attacker-chosen"
        a = self.create(pid, cfg, name="nightly")
        self.assertEqual(a["config"]["credentials"]["external_id"],
                         f"sluice:{self.org_id}:{pid}:{a['id']}")
        self.assertEqual(a["config"]["batch_size"], 100000)
        self.assertEqual(a["config"]["status"], "active")
        again = self.create(pid, export_config(format="jsonl"), name="nightly")
        self.assertEqual((again["id"], again["config"]["format"]), (a["id"], "parquet"))
        s, got = self.call("GET", f"/v1/project_automation/{a['id']}")
        self.assertEqual((s, got["name"]), (200, "nightly"))

    def test_bad_export_configs_name_the_field(self):
        pid = self.new_project()
        other = self.new_project()
        cases = [
            (export_config(interval_seconds=299), "interval_seconds"),
            (export_config(interval_seconds=86401), "interval_seconds"),
            (export_config(export_path="ftp://x/y"), "export_path"),
            (export_config(export_path="s3://Bad_Bucket/p"), "export_path"),
            (export_config(format="csv"), "format"),
            (export_config(credentials={"type": "aws_iam", "role_arn": "arn:aws:iam::12:role/x"}),
             "role_arn"),
            (export_config(export_definition={"type": "btql_query", "btql_query": "select: | from:"}),
             "btql_query"),
            (export_config(export_definition={"type": "btql_query",
                                              "btql_query": f"select: id | from: project_logs('{other}')"}),
             "another project"),
            (export_config(export_definition={"type": "everything"}), "export_definition.type"),
            ({"event_type": "webhook"}, "event_type"),
        ]
        for cfg, fragment in cases:
            with self.subTest(fragment=fragment):
                self.assertIn(fragment, self.error_of(pid, cfg))

    def test_put_replaces_patch_cannot_move_export_path_and_delete_removes(self):
        pid = self.new_project()
        a = self.create(pid, export_config(), name="e")
        s, r = self.call("PUT", "/v1/project_automation",
                         {"project_id": pid, "name": "e", "config": export_config(format="jsonl")})
        self.assertEqual((s, r["id"], r["config"]["format"]), (200, a["id"], "jsonl"))
        s, r = self.call("PATCH", f"/v1/project_automation/{a['id']}",
                         {"config": {"event_type": "btql_export", "export_path": "s3://my-bucket/elsewhere"}})
        self.assertEqual(s, 400, r)
        self.assertIn("export_path cannot be changed after creation", r["error"]["message"])
        s, r = self.call("PATCH", f"/v1/project_automation/{a['id']}",
                         {"config": {"event_type": "btql_export", "status": "paused"}})
        self.assertEqual((s, r["config"]["status"], r["config"]["format"]), (200, "paused", "jsonl"))
        s, listed = self.call("GET", f"/v1/project_automation?project_id={pid}")
        self.assertEqual([x["id"] for x in listed["objects"]], [a["id"]])
        s, _ = self.call("DELETE", f"/v1/project_automation/{a['id']}")
        self.assertEqual(s, 200)
        self.assertEqual(self.call("GET", f"/v1/project_automation/{a['id']}")[0], 404)

    def test_viewing_needs_read_and_changing_needs_admin(self):
        pid = self.new_project()
        a = self.create(pid, export_config())
        r = self.srv.admin("--org", self.org_id, "create-key", "--name", "w", "--project", pid,
                           "--permission", "write")
        writer = r.stdout.strip()
        self.assertEqual(self.call("GET", f"/v1/project_automation/{a['id']}", key=writer)[0], 200)
        s, e = self.call("POST", "/v1/project_automation",
                         {"project_id": pid, "name": "x", "config": export_config()}, key=writer)
        self.assertEqual(s, 403, e)
        self.assertIn("admin", e["error"]["message"])
        self.assertEqual(self.call("DELETE", f"/v1/project_automation/{a['id']}", key=writer)[0], 403)

    def test_retention_days_must_be_positive(self):
        pid = self.new_project()
        for days in (0, -3):
            msg = self.error_of(pid, {"event_type": "retention", "object_type": "project_logs",
                                      "retention_days": days})
            self.assertIn("retention_days", msg)
        msg = self.error_of(pid, {"event_type": "retention", "object_type": "spans", "retention_days": 3})
        self.assertIn("object_type", msg)

    # -- retention runs --
    def retention(self, pid, object_type, days=30, **extra):
        cfg = {"event_type": "retention", "object_type": object_type, "retention_days": days}
        cfg.update(extra)
        return self.create(pid, cfg)

    def test_logs_retention_preview_run_restore(self):
        pid = self.new_project()
        old = [{"id": f"old{i}", "created": iso(now() - 40 * DAY)} for i in range(50)]
        keep = [{"id": "kept", "created": iso(now() - 40 * DAY), "tags": ["keep"]}]
        new = [{"id": f"new{i}", "created": iso(now() - 2 * DAY)} for i in range(20)]
        self.insert(pid, old + keep + new)
        a = self.retention(pid, "project_logs", exempt_filter="tags includes 'keep'",
                           interval_seconds=3600)
        s, p = self.call("GET", f"/automation/retention/{a['id']}/preview")
        self.assertEqual((s, p["rows"], p["exempt"]), (200, 50, 1), p)
        self.assertGreater(p["bytes"], 50 * 36)
        self.assertEqual(len(self.ids(pid)), 71)  # preview deleted nothing
        s, run = self.call("POST", f"/automation/retention/{a['id']}/run")
        self.assertEqual((s, run["status"], run["stats"]["soft_deleted"]), (200, "success", 50), run)
        visible = self.ids(pid)
        self.assertEqual(visible, {"kept"} | {f"new{i}" for i in range(20)})
        s, q = self.call("POST", "/btql", {"query": f"select: id | from: project_logs('{pid}') | filter: id = 'old1'"})
        self.assertEqual(q["data"], [])
        s, st = self.call("GET", f"/automation/retention/{a['id']}/status")
        self.assertEqual((s, st["last_run"]["id"], len(st["runs"])), (200, run["id"], 1))
        s, r = self.call("POST", f"/automation/retention/{a['id']}/restore", {"run_id": run["id"]})
        self.assertEqual((s, r["restored"], r["paused"]), (200, 50, True), r)
        self.assertEqual(len(self.ids(pid)), 71)
        # Restoring pauses the policy: as it stands its next run would delete the rows again.
        s, st = self.call("GET", f"/automation/retention/{a['id']}/status")
        self.assertEqual((st["status"], st["next_run"]), ("paused", None), st)
        s, r = self.call("POST", f"/automation/retention/{a['id']}/restore", {"run_id": run["id"]})
        self.assertEqual(s, 409, r)
        self.assertIn("already restored", r["error"]["message"])
        # Resumed with a PATCH of the status alone (no event_type needed).
        s, b = self.call("PATCH", f"/v1/project_automation/{a['id']}",
                         {"config": {"status": "active"}})
        self.assertEqual((s, b["config"]["status"], b["config"]["retention_days"]),
                         (200, "active", 30), b)

    def test_purge_after_grace_then_restore_answers_409(self):
        pid = self.new_project()
        self.insert(pid, [{"id": "ancient", "created": iso(now() - 400 * DAY)}, {"id": "fresh"}])
        a = self.retention(pid, "project_logs", days=1, grace_seconds=0)
        s, run = self.call("POST", f"/automation/retention/{a['id']}/run")
        self.assertEqual(s, 200, run)
        deadline = time.time() + 30
        while time.time() < deadline:  # the scheduler (1 s tick) purges it
            s, st = self.call("GET", f"/automation/retention/{a['id']}/status")
            if any(r["stats"].get("purged", 0) >= 1 for r in st["runs"]):
                break
            time.sleep(0.3)
        self.assertTrue(any(r["stats"].get("purged", 0) >= 1 for r in st["runs"]), st)
        s, r = self.call("POST", f"/automation/retention/{a['id']}/restore", {"run_id": run["id"]})
        self.assertEqual(s, 409, r)
        self.assertIn("purged", r["error"]["message"])
        self.assertEqual(self.ids(pid), {"fresh"})

    def test_experiments_go_whole_and_datasets_keep_taking_rows(self):
        pid = self.new_project()
        s, exp = self.call("POST", "/v1/experiment", {"project_id": pid, "name": "old-exp"})
        self.insert(exp["id"], [{"id": "e1"}], obj="experiment")
        s, ds = self.call("POST", "/v1/dataset", {"project_id": pid, "name": "ds"})
        self.insert(ds["id"], [{"id": "d-old", "created": iso(now() - 90 * DAY)}, {"id": "d-new"}],
                    obj="dataset")
        # An experiment counts as old by its creation time; with 1 day nothing is old yet.
        er = self.retention(pid, "experiment", days=1)
        s, p = self.call("GET", f"/automation/retention/{er['id']}/preview")
        self.assertEqual(p["experiments"], 0)
        dr = self.retention(pid, "dataset", days=30)
        s, run = self.call("POST", f"/automation/retention/{dr['id']}/run")
        self.assertEqual(run["stats"]["soft_deleted"], 1, run)
        self.assertEqual(self.ids(ds["id"], "dataset"), {"d-new"})
        self.assertEqual(self.call("GET", f"/v1/dataset/{ds['id']}")[0], 200)
        self.insert(ds["id"], [{"id": "d-later"}], obj="dataset")
        self.assertEqual(self.ids(ds["id"], "dataset"), {"d-new", "d-later"})

    def test_a_run_during_ingest_loses_no_new_row(self):
        pid = self.new_project()
        self.insert(pid, [{"id": f"old{i}", "created": iso(now() - 100 * DAY)} for i in range(500)])
        a = self.retention(pid, "project_logs", days=7)
        written, stop = [], threading.Event()

        def ingest():
            i = 0
            while not stop.is_set() and i < 300:
                self.insert(pid, [{"id": f"live{i}"}])
                written.append(f"live{i}")
                i += 1

        t = threading.Thread(target=ingest)
        t.start()
        time.sleep(0.05)
        s, run = self.call("POST", f"/automation/retention/{a['id']}/run")
        stop.set()
        t.join()
        self.assertEqual((s, run["stats"]["soft_deleted"]), (200, 500), run)
        self.assertEqual(self.ids(pid), set(written))

    # -- pausing, deleting with runs in grace, status paging --
    def old_rows(self, pid, n=5):
        self.insert(pid, [{"id": f"old{i}", "created": iso(now() - 40 * DAY)} for i in range(n)])

    def test_a_paused_retention_runs_only_on_demand(self):
        pid = self.new_project()
        self.old_rows(pid)
        a = self.retention(pid, "project_logs", status="paused")
        self.assertEqual(a["config"]["status"], "paused")
        s, st = self.call("GET", f"/automation/retention/{a['id']}/status")
        self.assertEqual((s, st["status"], st["next_run"], st["runs"]), (200, "paused", None, []), st)
        time.sleep(2.5)  # the scheduler ticks every second
        s, st = self.call("GET", f"/automation/retention/{a['id']}/status")
        self.assertEqual(st["runs"], [], "a paused policy is not run by the scheduler")
        self.assertEqual(len(self.ids(pid)), 5)
        # On demand it runs, as a paused export does.
        s, run = self.call("POST", f"/automation/retention/{a['id']}/run")
        self.assertEqual((s, run["status"], run["stats"]["soft_deleted"]), (200, "success", 5), run)
        s, r = self.call("PATCH", f"/v1/project_automation/{a['id']}",
                         {"config": {"event_type": "retention", "status": "active"}})
        self.assertEqual((s, r["config"]["status"], r["config"]["retention_days"]), (200, "active", 30), r)
        s, st = self.call("GET", f"/automation/retention/{a['id']}/status")
        self.assertEqual(st["status"], "active")
        self.assertIsNotNone(st["next_run"])

    def test_a_top_level_status_is_refused_and_points_to_config_status(self):
        pid = self.new_project()
        s, e = self.call("POST", "/v1/project_automation",
                         {"project_id": pid, "name": "r", "status": "paused",
                          "config": {"event_type": "retention", "object_type": "dataset",
                                     "retention_days": 3}})
        self.assertEqual(s, 400, e)
        self.assertIn("config.status", e["error"]["message"])
        a = self.create(pid, export_config())
        s, e = self.call("PATCH", f"/v1/project_automation/{a['id']}", {"status": "paused"})
        self.assertEqual(s, 400, e)
        self.assertIn("config.status", e["error"]["message"])
        s, got = self.call("GET", f"/v1/project_automation/{a['id']}")
        self.assertEqual(got["config"]["status"], "active")

    def test_deleting_a_retention_with_runs_in_grace_answers_409_unless_forced(self):
        pid = self.new_project()
        self.old_rows(pid, 3)
        a = self.retention(pid, "project_logs")
        s, run = self.call("POST", f"/automation/retention/{a['id']}/run")
        self.assertEqual((s, run["stats"]["soft_deleted"]), (200, 3), run)
        s, e = self.call("DELETE", f"/v1/project_automation/{a['id']}")
        self.assertEqual(s, 409, e)
        msg = e["error"]["message"]
        for fragment in ("1 run ", "(3 rows)", "grace period until", run["id"],
                         f"/automation/retention/{a['id']}/restore", "paused", "?force=true"):
            self.assertIn(fragment, msg)
        self.assertEqual(self.call("GET", f"/v1/project_automation/{a['id']}")[0], 200)
        self.assertEqual(self.call("DELETE", f"/v1/project_automation/{a['id']}?force=maybe")[0], 400)
        # Once restored nothing is stranded: the delete goes through.
        s, r = self.call("POST", f"/automation/retention/{a['id']}/restore", {"run_id": run["id"]})
        self.assertEqual((s, r["restored"]), (200, 3), r)
        self.assertEqual(self.call("DELETE", f"/v1/project_automation/{a['id']}")[0], 200)
        self.assertEqual(len(self.ids(pid)), 3)
        # Forced: deleted, and the rows stay deleted.
        b = self.retention(pid, "project_logs")
        s, run = self.call("POST", f"/automation/retention/{b['id']}/run")
        self.assertEqual(run["stats"]["soft_deleted"], 3, run)
        s, r = self.call("DELETE", f"/v1/project_automation/{b['id']}?force=true")
        self.assertEqual((s, r["id"]), (200, b["id"]), r)
        self.assertEqual(self.call("GET", f"/v1/project_automation/{b['id']}")[0], 404)
        self.assertEqual(self.ids(pid), set())
        # A run that deleted nothing strands nothing: no 409.
        c = self.retention(pid, "project_logs")
        s, run = self.call("POST", f"/automation/retention/{c['id']}/run")
        self.assertEqual((s, run["stats"]["soft_deleted"]), (200, 0), run)
        self.assertEqual(self.call("DELETE", f"/v1/project_automation/{c['id']}")[0], 200)

    def test_retention_status_pages_without_moving_last_and_next_run(self):
        pid = self.new_project()
        a = self.retention(pid, "dataset", interval_seconds=3600)
        runs = []
        for _ in range(3):
            s, run = self.call("POST", f"/automation/retention/{a['id']}/run")
            self.assertEqual(s, 200, run)
            runs.insert(0, run["id"])
        base = f"/automation/retention/{a['id']}/status"
        s, first = self.call("GET", base + "?limit=2")
        self.assertEqual(([r["id"] for r in first["runs"]], first["next_before"]),
                         (runs[:2], runs[1]), first)
        s, second = self.call("GET", base + f"?limit=2&before={first['next_before']}")
        self.assertEqual(([r["id"] for r in second["runs"]], second["next_before"]),
                         (runs[2:], None), second)
        self.assertEqual(second["last_run"]["id"], runs[0])
        self.assertEqual(second["next_run"], first["next_run"])
        for query, fragment in (("before=nope", "before: nope"), ("limit=0", "limit"),
                                ("limit=101", "limit"), ("limit=two", "limit")):
            with self.subTest(query=query):
                s, e = self.call("GET", base + "?" + query)
                self.assertEqual(s, 400, e)
                self.assertIn(fragment, e["error"]["message"])
        # A run of another automation is not a page of this one.
        other = self.retention(pid, "dataset")
        s, other_run = self.call("POST", f"/automation/retention/{other['id']}/run")
        s, e = self.call("GET", base + f"?before={other_run['id']}")
        self.assertEqual(s, 400, e)
        self.assertIn("is not a run of automation", e["error"]["message"])

    def test_export_status_refuses_an_unknown_before(self):
        pid = self.new_project()
        token = self.srv.admin("--org", self.org_id, "create-key", "--name", "t", "--project", pid,
                               "--service-token").stdout.strip()
        # Paused, so the scheduler writes nothing to the directory.
        a = self.create(pid, export_config(export_path="file:///tmp/sluice-test-export-" + pid,
                                           status="paused"))
        s, r = self.call("POST", "/automation/cron",
                         {"automation_id": a["id"], "cron": {"type": "btql_export"},
                          "service_token": token})
        self.assertEqual(s, 200, r)
        s, e = self.call("GET", f"/automation/cron/{a['id']}/status?before=nope")
        self.assertEqual(s, 400, e)
        self.assertIn("before: nope", e["error"]["message"])

    def test_exempt_filter_errors_point_into_the_filter(self):
        pid = self.new_project()
        msg = self.error_of(pid, {"event_type": "retention", "object_type": "project_logs",
                                  "retention_days": 3, "exempt_filter": "tags includes"})
        self.assertIn("at 1:14", msg)
        msg = self.error_of(pid, {"event_type": "retention", "object_type": "project_logs",
                                  "retention_days": 3,
                                  "exempt_filter": "tags includes 'keep' | limit: 1"})
        self.assertIn("must be a filter expression", msg)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
