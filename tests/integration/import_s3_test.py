"""Importing from an S3 export (moto as a strict AWS) through the export automation's own role:
rows deleted by retention past its grace period come back equal field by field, read with the role the export was given (the import asks
for the automation, never for credentials), and a role whose policy no longer allows reading is
a clear error naming the object.

Usage: python3 import_s3_test.py /path/to/sluice   (CTest passes the built binary)
"""
import datetime
import json
import sys
import time
import unittest

from export_support import (BUCKET, ExportServer, Moto, export_config, ingest, server_env,
                            spans)

BINARY = None


class ImportS3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = Moto()
        # A scheduler tick of 1 s purges retention runs past their grace (the automations
        # themselves are paused: only the test runs them).
        cls.srv = ExportServer(BINARY, server_env(cls.moto), tick_seconds=1).start()
        cls.key = cls.srv.credentials()["api_key"]

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.moto.stop()

    def call(self, method, path, body=None):
        return self.srv.request(method, path, body, key=self.key)

    def wait(self, job):
        deadline = time.time() + 60
        while job["status"] == "running" and time.time() < deadline:
            time.sleep(0.1)
            s, job = self.call("GET", f"/v1/import/{job['id']}")
            self.assertEqual(s, 200, job)
        return job

    def export_and_bring_back(self, fmt, prefix):
        """Exports 600 spans to s3://BUCKET/prefix as fmt, deletes them, imports them back
        through the automation and checks them field by field; returns the automation."""
        s, p = self.call("POST", "/v1/project", {"name": f"s3-import-{fmt}"})
        pid = p["id"]
        original = spans(600)
        ingest(self.srv, self.key, pid, original)
        role = "arch-" + fmt
        cfg = export_config(f"s3://{BUCKET}/{prefix}", fmt, role_arn=self.moto.role_arn(role),
                            batch_size=200, status="paused")
        s, a = self.call("POST", "/v1/project_automation",
                         {"project_id": pid, "name": "archive", "config": cfg})
        self.assertEqual(s, 200, a)
        self.moto.make_role(role, a["config"]["credentials"]["external_id"], prefix)
        token = self.srv.admin("create-key", "--name", "t", "--project", pid,
                               "--service-token").stdout.strip()
        self.assertEqual(self.call("POST", "/automation/cron", {
            "automation_id": a["id"], "cron": {"type": "btql_export"},
            "service_token": token})[0], 200)
        s, run = self.call("POST", f"/automation/cron/{a['id']}/run")
        self.assertEqual((s, run["status"], run["stats"]["files"]), (200, "success", 3), run)
        # Every row deleted by retention for good (grace 0), then brought back from the bucket.
        s, ret = self.call("POST", "/v1/project_automation", {
            "project_id": pid, "name": "drop",
            "config": {"event_type": "retention", "object_type": "project_logs",
                       "retention_days": 30, "grace_seconds": 0, "status": "paused"}})
        self.assertEqual(s, 200, ret)
        s, r = self.call("POST", f"/automation/retention/{ret['id']}/run")
        self.assertEqual((s, r["stats"]["soft_deleted"]), (200, 600), r)
        deadline = time.time() + 30
        while time.time() < deadline:
            s, st = self.call("GET", f"/automation/retention/{ret['id']}/status")
            if st["last_run"]["stats"]["purged"] == 600:
                break
            time.sleep(0.3)
        self.assertEqual(st["last_run"]["stats"]["purged"], 600, st)
        s, f = self.call("POST", f"/v1/project_logs/{pid}/fetch", {"limit": 10})
        self.assertEqual(f["events"], [])
        s, job = self.call("POST", f"/v1/project_logs/{pid}/import", {"automation_id": a["id"]})
        self.assertEqual(s, 202, job)
        job = self.wait(job)
        self.assertEqual((job["status"], job["rows"], job["files_done"]), ("success", 600, 3), job)
        self.assertEqual(job["source"], f"s3://{BUCKET}/{prefix}")
        rows = []
        cursor = None
        while True:
            s, f = self.call("POST", f"/v1/project_logs/{pid}/fetch",
                             {"limit": 1000, **({"cursor": cursor} if cursor else {})})
            if not f["events"]:
                break
            rows += f["events"]
            cursor = f["cursor"]
        by_id = {r["id"]: r for r in rows}
        self.assertEqual(len(by_id), 600)
        for e in original:
            r = by_id[e["id"]]
            for field in ("span_id", "root_span_id", "input", "output", "metadata", "metrics"):
                self.assertEqual(r[field], e[field], (e["id"], field))
            self.assertEqual(datetime.datetime.fromisoformat(r["created"]),
                             datetime.datetime.fromisoformat(e["created"]), e["id"])
            self.assertEqual(r["span_parents"], e.get("span_parents"))
        return a

    def test_rows_come_back_from_the_bucket_with_the_exports_role(self):
        a = self.export_and_bring_back("jsonl", "archive")
        self.export_and_bring_back("parquet", "archive-pq")
        # The role loses its read permission: the import says which object it could not read.
        self.moto.iam.put_role_policy(RoleName="arch-jsonl", PolicyName="export",
                                      PolicyDocument=json.dumps({
                                          "Version": "2012-10-17",
                                          "Statement": [{"Effect": "Allow",
                                                         "Action": "s3:ListBucket",
                                                         "Resource": f"arn:aws:s3:::{BUCKET}"}]}))
        time.sleep(1)
        s, job = self.call("POST", f"/v1/project_logs/{a['project_id']}/import",
                           {"automation_id": a["id"]})
        job = self.wait(job)
        self.assertEqual(job["status"], "error", job)
        self.assertIn("archive/_sluice/manifests/", job["error"])


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
