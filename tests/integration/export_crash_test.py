"""Exactly once under SIGKILL: for each point of a file's life (planned, upload, uploaded,
committed) the server is started with SLUICE_FAULT_KILL_AT=<point>:3, killed during its third
file, restarted without the fault and run until caught up. Then the cloud's own client (boto3
for moto, @azure/storage-blob for Azurite) and DuckDB check that the objects under the prefix
hold every row exactly once by (id, _xact_id), and that every file a manifest lists is one of
them.

Usage: python3 export_crash_test.py /path/to/sluice [s3|azure]
  s3 (default): moto as a strict AWS, one role per automation (python3 with moto and boto3)
  azure: Azurite with the account key in the server's environment (azure_shared_key)
Both need node with tests/node_modules.
"""
import http.client
import os
import sys
import tempfile
import unittest

from export_support import ExportServer, duckdb, export_config, ingest, spans, sql_str

BINARY = None
BACKEND = "s3"
ROWS = 10_000
BATCH = 1_000  # rows per file: ten files per full export


class S3Destination:
    """moto as a strict AWS: each automation gets a role trusting its ExternalId."""

    def __init__(self):
        from export_support import BUCKET, Moto, server_env
        self.bucket = BUCKET
        self.moto = Moto()
        self.env = server_env(self.moto)

    def stop(self):
        self.moto.stop()

    def config(self, prefix, label):
        return export_config(f"s3://{self.bucket}/{prefix}", "parquet",
                             role_arn=self.moto.role_arn(f"crash-{label}"), batch_size=BATCH,
                             max_iterations=100)

    def grant(self, automation, prefix, label):
        self.moto.make_role(f"crash-{label}", automation["config"]["credentials"]["external_id"],
                            prefix)

    def keys(self, prefix):
        return self.moto.keys(prefix)

    def manifests(self, prefix):
        return self.moto.manifests(prefix)

    def download(self, keys, directory):
        return self.moto.download(keys, directory)


class AzureDestination:
    """Azurite, reached with the account key from the server's environment."""
    CONTAINER = "crash"

    def __init__(self):
        from cloud_support import Azurite
        self.azurite = Azurite()
        self.azurite.create_container(self.CONTAINER)
        self.env = self.azurite.server_env()

    def stop(self):
        self.azurite.stop()

    def config(self, prefix, label):
        c = export_config(self.azurite.path(self.CONTAINER, prefix), "parquet", batch_size=BATCH,
                          max_iterations=100)
        c["credentials"] = {"type": "azure_shared_key"}
        return c

    def grant(self, automation, prefix, label):
        pass  # the key reaches the whole account

    def keys(self, prefix):
        return self.azurite.keys(self.CONTAINER, prefix)

    def manifests(self, prefix):
        return self.azurite.manifests(self.CONTAINER, prefix)

    def download(self, keys, directory):
        return self.azurite.download(self.CONTAINER, keys, directory)


class ExportCrashTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dest = AzureDestination() if BACKEND == "azure" else S3Destination()
        cls.env = cls.dest.env
        cls.srv = ExportServer(BINARY, cls.env).start()
        cls.data_dir = cls.srv.data_dir
        cls.key = cls.srv.credentials()["api_key"]
        status, p = cls.srv.request("POST", "/v1/project", {"name": "crash"}, key=cls.key)
        assert status == 200, p
        cls.pid = p["id"]
        r = cls.srv.admin("create-key", "--name", "exporter", "--project", cls.pid,
                          "--service-token")
        assert r.returncode == 0, r.stderr
        cls.token = r.stdout.strip()
        # Insert requests of 700 rows, so files and transactions do not line up.
        ingest(cls.srv, cls.key, cls.pid, spans(ROWS), batch=700)
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.dest.stop()
        cls.tmp.cleanup()

    def restart(self, fault=None):
        self.srv.stop()
        env = dict(self.env)
        if fault:
            env["SLUICE_FAULT_KILL_AT"] = fault
        type(self).srv = ExportServer(BINARY, env, data_dir=self.data_dir).start()

    def call(self, method, path, body=None):
        status, out = self.srv.request(method, path, body, key=self.key)
        self.assertEqual(status, 200, out)
        return out

    def export(self, label):
        prefix = f"crash/{label}"
        a = self.call("POST", "/v1/project_automation", {
            "project_id": self.pid, "name": f"crash-{label}",
            "config": self.dest.config(prefix, label)})
        self.dest.grant(a, prefix, label)
        self.call("POST", "/automation/cron", {"automation_id": a["id"],
                                               "cron": {"type": "btql_export"},
                                               "service_token": self.token})
        return a, prefix

    def crash_and_recover(self, point, label=None):
        a, prefix = self.export(label or point)
        self.restart(fault=f"{point}:3")
        with self.assertRaises((OSError, http.client.HTTPException)):
            self.srv.request("POST", f"/automation/cron/{a['id']}/run", key=self.key)
        self.assertEqual(self.srv.proc.wait(timeout=30), -9, "killed by SIGKILL")
        self.assertIn(f"killing the process at {point} #3", self.srv.read_log())
        self.restart()
        runs = []
        while not runs or not runs[-1]["stats"]["caught_up"]:
            self.assertLess(len(runs), 5, runs)
            runs.append(self.call("POST", f"/automation/cron/{a['id']}/run"))
            self.assertEqual(runs[-1]["status"], "success", runs[-1])
        history = self.call("GET", f"/automation/cron/{a['id']}/status?limit=100")["runs"]
        interrupted = history[-1]
        self.assertEqual(interrupted["status"], "error")
        self.assertIn("interrupted", interrupted["error"])
        if point != "committed":
            self.assertIn("redone_key", runs[0]["stats"], "the pending file is redone first")
        return prefix

    def check_exactly_once(self, prefix):
        objects = [k for k in self.dest.keys(prefix) if "/_sluice/" not in k]
        listed = [f["key"] for m in self.dest.manifests(prefix) for f in m["files"]]
        self.assertEqual(len(listed), len(set(listed)), "no file committed twice")
        self.assertLessEqual(set(listed), set(objects), "every listed file exists")
        paths = self.dest.download(objects, self.tmp.name)
        files = "[" + ", ".join(sql_str(p) for p in paths) + "]"
        got = duckdb(f"SELECT count(*) AS n, count(DISTINCT (id, _xact_id)) AS versions, "
                     f"count(DISTINCT id) AS ids, min(id) AS lo, max(id) AS hi "
                     f"FROM read_parquet({files})")[0]
        self.assertEqual(got, {"n": str(ROWS), "versions": str(ROWS), "ids": str(ROWS),
                               "lo": "s0000000", "hi": f"s{ROWS - 1:07d}"})

    def test_killed_after_planning_a_file(self):
        self.check_exactly_once(self.crash_and_recover("planned"))

    def test_killed_during_the_upload(self):
        self.check_exactly_once(self.crash_and_recover("upload"))

    def test_killed_after_the_upload_before_the_commit(self):
        self.check_exactly_once(self.crash_and_recover("uploaded"))

    def test_killed_right_after_the_commit(self):
        self.check_exactly_once(self.crash_and_recover("committed"))

    # Files committed by a run that was killed are listed by the manifest the next run writes
    # for it when it closes it.
    def test_manifests_list_the_files_committed_before_a_crash(self):
        prefix = self.crash_and_recover("committed", label="manifests")
        objects = [k for k in self.dest.keys(prefix) if "/_sluice/" not in k]
        listed = [f["key"] for m in self.dest.manifests(prefix) for f in m["files"]]
        self.assertEqual(sorted(listed), objects)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    if len(sys.argv) > 1 and sys.argv[1] in ("s3", "azure"):
        BACKEND = sys.argv.pop(1)
    unittest.main(verbosity=2)
