"""`sluice automation run|status|reset` against a real `sluice serve`: a local (file://) export
and retention policies (one with exempt and held-back rows, one of experiments) are run,
inspected and reset through the CLI, which reads the API key from the data directory. Usage: cli_automation_test.py SLUICE_BINARY"""
import datetime
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sluice_server import SluiceServer  # noqa: E402

BINARY = None


class CliAutomationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = SluiceServer(BINARY, extra_args=["--scheduler-tick-seconds", "0"]).start()
        creds = cls.srv.credentials()
        cls.key, cls.pid = creds["api_key"], creds["project_id"]
        cls.out_dir = tempfile.mkdtemp(prefix="sluice-cli-export-")
        status, a = cls.srv.request("POST", "/v1/project_automation", key=cls.key, body={
            "project_id": cls.pid, "name": "local",
            "config": {"event_type": "btql_export", "export_definition": {"type": "log_spans"},
                       "export_path": "file://" + cls.out_dir, "format": "jsonl",
                       "interval_seconds": 3600}})
        assert status == 200, a
        cls.export_id = a["id"]
        r = cls.srv.admin("create-key", "--name", "reader", "--project", cls.pid,
                          "--service-token")
        token = [w for w in r.stdout.split() if w.startswith("sl-st-")][0]
        status, body = cls.srv.request("POST", "/automation/cron", key=cls.key, body={
            "automation_id": cls.export_id, "cron": {"type": "btql_export"},
            "service_token": token})
        assert status == 200, body
        cls.insert([{"id": f"e{i}", "input": f"q{i}"} for i in range(5)])

    @classmethod
    def insert(cls, events):
        status, body = cls.srv.request("POST", f"/v1/project_logs/{cls.pid}/insert",
                                       key=cls.key, body={"events": events})
        assert status == 200, body

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def cli(self, *args, key_from_data_dir=True):
        base = [BINARY, "automation", "--url", f"http://127.0.0.1:{self.srv.port}"]
        if key_from_data_dir:
            base += ["--data-dir", self.srv.data_dir]
        env = {k: v for k, v in os.environ.items() if k != "SLUICE_API_KEY"}
        return subprocess.run(base + list(args), capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL, env=env)

    def test_1_run_status_and_reset_an_export(self):
        r = self.cli("status", self.export_id)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("no runs yet", r.stdout)

        r = self.cli("run", self.export_id)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("success", r.stdout)
        self.assertIn("5 rows in 1 file (", r.stdout)
        files = [os.path.join(d, f) for d, _, fs in os.walk(self.out_dir) for f in fs
                 if f.endswith(".jsonl")]
        self.assertEqual(len(files), 1)
        with open(files[0]) as f:
            ids = sorted(json.loads(line)["id"] for line in f)
        self.assertEqual(ids, [f"e{i}" for i in range(5)])

        r = self.cli("status", self.export_id)
        self.assertIn("backlog     0 rows", r.stdout)
        self.assertIn("5 rows in 1 file (", r.stdout)
        r = self.cli("--json", "status", self.export_id)
        self.assertNotEqual(json.loads(r.stdout)["cursor"]["xact_id"], "0")

        # No terminal to ask and no --yes: nothing is reset.
        r = self.cli("reset", self.export_id)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--yes", r.stderr)
        status = json.loads(self.cli("--json", "status", self.export_id).stdout)
        self.assertEqual(len(status["runs"]), 1)

        r = self.cli("reset", self.export_id, "--yes")
        self.assertEqual(r.returncode, 0, r.stderr)
        status = json.loads(self.cli("--json", "status", self.export_id).stdout)
        self.assertEqual(status["runs"], [])
        self.assertEqual(status["backlog_rows"], 5)

    def test_2_retention_run_and_status(self):
        old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=40)
               ).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self.insert([{"id": f"old{i}", "created": old} for i in range(3)] +
                    [{"id": "kept", "created": old, "tags": ["keep"]}])
        # The export writes those; a row inserted after its run waits for its next run.
        r = self.cli("run", self.export_id)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"\b\d+ rows in 1 file \(")
        self.insert([{"id": "late", "created": old}])

        status, a = self.srv.request("POST", "/v1/project_automation", key=self.key, body={
            "project_id": self.pid, "name": "keep-30-days",
            "config": {"event_type": "retention", "object_type": "project_logs",
                       "retention_days": 30, "exempt_filter": "tags includes 'keep'"}})
        self.assertEqual(status, 200, a)
        r = self.cli("run", a["id"])
        self.assertEqual(r.returncode, 0, r.stderr)
        what = "3 rows soft-deleted, 1 row exempt, 1 row held back, 0 purged, 0 restored"
        self.assertIn(what, r.stdout)
        self.assertIn('\n      held back: not yet exported by export "local"', r.stdout)
        r = self.cli("status", a["id"])
        self.assertIn("retention", r.stdout)
        self.assertIn(what, r.stdout)
        self.assertIn("held back: not yet exported", r.stdout)
        r = self.cli("reset", a["id"], "--yes")
        self.assertEqual(r.returncode, 2)
        self.assertIn("restore", r.stderr)

        # Nothing held back: no held-back words. Experiment policies count experiments.
        status, a = self.srv.request("POST", "/v1/project_automation", key=self.key, body={
            "project_id": self.pid, "name": "old-experiments",
            "config": {"event_type": "retention", "object_type": "experiment",
                       "retention_days": 30}})
        self.assertEqual(status, 200, a)
        r = self.cli("run", a["id"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("0 experiments deleted (0 rows soft-deleted), 0 experiments exempt, "
                      "0 purged, 0 restored", r.stdout)
        self.assertNotIn("held back", r.stdout)

    def test_3_errors_say_what_is_wrong(self):
        r = self.cli("status", "00000000-0000-0000-0000-000000000000")
        self.assertEqual(r.returncode, 1)
        self.assertIn("HTTP 404", r.stderr)
        r = subprocess.run([BINARY, "automation", "--url", "http://127.0.0.1:1", "--api-key",
                            "sk-x", "status", self.export_id], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot reach the sluice server", r.stderr)
        r = self.cli("status", self.export_id, key_from_data_dir=False)
        self.assertNotEqual(r.returncode, 0)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
