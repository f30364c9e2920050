"""Exports to Cloud Storage end to end through the real `sluice serve`, against the loopback fake
of Google's JSON API, token endpoint, IAM Credentials API and metadata server
(tests/testing/gcs_fake.mjs, held to Google's own @google-cloud/storage client by
integration.gcs_fake_check). sluice's own identity is the metadata server's service account; it
impersonates the customer's export account through generateAccessToken. Spans as Parquet in
max_iterations steps, manifests and date folders, read back with Google's client and judged by
DuckDB; the automation test step by step; an account that does not let sluice impersonate it and
a bucket it may not write say which role to grant to whom; no token in answers or the log.

Usage: python3 export_gcs_test.py /path/to/sluice   (node with tests/node_modules)
"""
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

from cloud_support import GCS_BUCKET, GCS_EXPORT, GCS_JUDGE, GCS_SERVER, GcsFake
from export_support import ExportServer, duckdb, ingest, spans, sql_str

BINARY = None
SPANS = 5_000


def config(path, email, **extra):
    c = {"event_type": "btql_export", "export_definition": {"type": "log_spans"},
         "export_path": path, "format": "parquet", "interval_seconds": 3600,
         "credentials": {"type": "gcp_service_account", "service_account_email": email}}
    c.update(extra)
    return c


class ExportGcsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = GcsFake()
        cls.srv = ExportServer(BINARY, cls.fake.server_env()).start()
        cls.key = cls.srv.credentials()["api_key"]
        status, p = cls.srv.request("POST", "/v1/project", {"name": "gcs"}, key=cls.key)
        assert status == 200, p
        cls.pid = p["id"]
        r = cls.srv.admin("create-key", "--name", "exporter", "--project", cls.pid,
                          "--service-token")
        assert r.returncode == 0, r.stderr
        cls.token = r.stdout.strip()
        ingest(cls.srv, cls.key, cls.pid, spans(SPANS))
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.fake.stop()
        cls.tmp.cleanup()

    def call(self, method, path, body=None):
        return self.srv.request(method, path, body, key=self.key)

    def create(self, name, cfg, register=True):
        status, a = self.call("POST", "/v1/project_automation",
                              {"project_id": self.pid, "name": name, "config": cfg})
        self.assertEqual(status, 200, a)
        if register:
            status, body = self.call("POST", "/automation/cron",
                                     {"automation_id": a["id"], "cron": {"type": "btql_export"},
                                      "service_token": self.token})
            self.assertEqual(status, 200, body)
        return a

    def run_export(self, a):
        status, run = self.call("POST", f"/automation/cron/{a['id']}/run")
        self.assertEqual(status, 200, run)
        return run

    def probe(self, a):
        status, probe = self.call("POST", "/automation/test", {"automation_id": a["id"]})
        self.assertEqual(status, 200, probe)
        return probe

    def assertNoToken(self, *texts):
        for text in texts:
            self.assertIsNone(re.search(r"ya29\.[\w-]+", str(text)), text)

    def test_1_spans_as_parquet_through_an_impersonated_account(self):
        a = self.create("spans", config(f"gs://{GCS_BUCKET}/team/spans", GCS_EXPORT,
                                         batch_size=2_000, max_iterations=2))
        self.assertEqual(a["config"]["credentials"],
                         {"type": "gcp_service_account", "service_account_email": GCS_EXPORT})
        first = self.run_export(a)
        self.assertEqual(first["status"], "warning", first)
        second = self.run_export(a)
        self.assertEqual(second["status"], "success", second)
        self.assertTrue(second["stats"]["caught_up"])
        day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        keys = [k for k in self.fake.keys(GCS_BUCKET, "team/spans") if "/_sluice/" not in k]
        self.assertEqual(keys, [f"team/spans/{day}/export_{n:03d}.parquet" for n in (1, 2, 3)])
        paths = self.fake.download(GCS_BUCKET, keys, tempfile.mkdtemp(dir=self.tmp.name))
        files = "[" + ", ".join(sql_str(p) for p in paths) + "]"
        got = duckdb(f"SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, "
                     f"max(id) AS hi FROM read_parquet({files})")[0]
        self.assertEqual(got, {"n": str(SPANS), "d": str(SPANS), "lo": "s0000000",
                               "hi": f"s{SPANS - 1:07d}"})
        manifests = self.fake.manifests(GCS_BUCKET, "team/spans")
        self.assertEqual(sorted(f["key"] for m in manifests for f in m["files"]), keys)
        # Every object was written by the export account's token, minted for sluice's own.
        paths = [urllib.parse.unquote(r["path"]) for r in json.loads(self.fake.requests())]
        self.assertIn(f"/v1/projects/-/serviceAccounts/{GCS_EXPORT}:generateAccessToken", paths)
        self.assertNoToken(first, second, self.srv.read_log())

    def test_2_the_test_names_sluices_principal_and_each_step(self):
        a = self.create("probe", config(f"gs://{GCS_BUCKET}/probe", GCS_EXPORT), register=False)
        probe = self.probe(a)
        self.assertTrue(probe["ok"], probe)
        self.assertEqual([s["name"] for s in probe["steps"]],
                         ["parse destination", "google identity", "impersonate", "put", "get",
                          "delete"])
        self.assertIn(f"serviceAccount:{GCS_SERVER}", probe["steps"][1]["message"])
        self.assertEqual(self.fake.keys(GCS_BUCKET, "probe"), [], "the probe object is deleted")
        self.assertNoToken(probe)

    def test_3_missing_roles_say_which_role_to_grant_to_whom(self):
        # The judge's account does not let sluice impersonate it.
        a = self.create("no-trust", config(f"gs://{GCS_BUCKET}/no-trust", GCS_JUDGE))
        probe = self.probe(a)
        failed = [s for s in probe["steps"] if not s["ok"]]
        self.assertEqual(failed[0]["name"], "impersonate", probe)
        self.assertIn(f"the service account {GCS_JUDGE} must exist and grant "
                      f"roles/iam.serviceAccountTokenCreator", failed[0]["message"])
        run = self.run_export(a)
        self.assertEqual(run["status"], "error", run)
        self.assertIn("roles/iam.serviceAccountTokenCreator", run["error"])

        # The export account may not write the bucket "private".
        a = self.create("no-role", config("gs://private/p", GCS_EXPORT))
        probe = self.probe(a)
        failed = [s for s in probe["steps"] if not s["ok"]]
        self.assertEqual(failed[0]["name"], "put", probe)
        self.assertIn(f"grant roles/storage.objectUser on bucket gs://private to the service "
                      f"account {GCS_EXPORT}", failed[0]["message"])
        run = self.run_export(a)
        self.assertEqual(run["status"], "error", run)
        self.assertIn("roles/storage.objectUser", run["error"])

        a = self.create("no-bucket", config("gs://no-such-bucket/p", GCS_EXPORT), register=False)
        probe = self.probe(a)
        self.assertIn("bucket gs://no-such-bucket does not exist", str(probe["steps"]))
        self.assertNoToken(probe, run, self.srv.read_log())

    def test_4_credentials_are_checked_when_saved(self):
        for creds, want in (
                ({"type": "gcp_service_account"},
                 "config.credentials.service_account_email: required"),
                ({"type": "gcp_service_account", "service_account_email": "not an email"},
                 "config.credentials.service_account_email"),
                ({"type": "azure_sas"}, "gs:// paths take credentials")):
            cfg = config(f"gs://{GCS_BUCKET}/x", GCS_EXPORT)
            cfg["credentials"] = creds
            status, err = self.call("POST", "/v1/project_automation",
                                    {"project_id": self.pid, "name": "bad", "config": cfg})
            self.assertEqual(status, 400, err)
            self.assertIn(want, err["error"]["message"])

    def test_5_storage_probe(self):
        r = subprocess.run([BINARY, "storage", "probe", f"gs://{GCS_BUCKET}/cli",
                            "--service-account", GCS_EXPORT], capture_output=True, text=True,
                           env=self.fake.server_env(), timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("impersonate", r.stdout)
        self.assertNoToken(r.stdout, r.stderr)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
