"""Exports to Azure Blob Storage end to end through the real `sluice serve`, with Azurite (npm
`azurite`, on a free loopback port) as the service: spans as Parquet in max_iterations steps
then only new rows, traces as JSON Lines through the https://<account>.blob.core.windows.net
form with hive date folders, the automation test step by step, a missing container, a wrong
account key, a SAS that writes and a read-only SAS, `sluice storage probe` (and its old name
`s3 probe`), and app registrations reached with the server's own Entra identity from a loopback
token endpoint (entra_fake.py). Files are read back with Microsoft's @azure/storage-blob and
judged with DuckDB, never with sluice. No key, SAS or token appears in an answer, the run
history or the server's log.

Usage: python3 export_azure_test.py /path/to/sluice   (node with tests/node_modules)
"""
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

from cloud_support import AZURE_ACCOUNT, AZURE_KEY, CLOUD_DIR, Azurite, wait_for_port
from sluice_server import free_port
from export_support import ExportServer, duckdb, ingest, spans, sql_str

BINARY = None
SPANS = 20_000
CONTAINER = "exports"
WRONG_KEY = "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3Jvbmc="
TENANT = "c0570000-0000-0000-0000-000000000002"
TRUSTING_APP = "a9900000-0000-0000-0000-000000000003"
OTHER_APP = "a9900000-0000-0000-0000-000000000004"
# The server's own identity as entra_fake.py issues it (its managed identity endpoint).
OWN_ISSUER = "https://login.microsoftonline.com/f00d0000-0000-0000-0000-000000000001/v2.0"
OWN_SUBJECT = "5e1f0000-0000-0000-0000-00000000a11e"
MAX_ITERATIONS_WARNING = ("Max iterations reached while running the cron job. This may result in "
                          "the export falling behind.")


def config(path, credentials, fmt="parquet", definition=None, **extra):
    c = {"event_type": "btql_export", "export_definition": definition or {"type": "log_spans"},
         "export_path": path, "format": fmt, "interval_seconds": 3600,
         "credentials": credentials}
    c.update(extra)
    return c


def read(paths, fmt):
    files = "[" + ", ".join(sql_str(p) for p in paths) + "]"
    if fmt == "parquet":
        return f"read_parquet({files})"
    return f"read_json({files}, format='newline_delimited')"


def today_utc():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


class Exporter:
    """One `sluice serve` with its environment, an admin key, a project and a service token."""

    def __init__(self, env, n_spans=0):
        self.srv = ExportServer(BINARY, env).start()
        self.key = self.srv.credentials()["api_key"]
        status, p = self.srv.request("POST", "/v1/project", {"name": "azure"}, key=self.key)
        assert status == 200, p
        self.pid = p["id"]
        r = self.srv.admin("create-key", "--name", "exporter", "--project", self.pid,
                           "--service-token")
        assert r.returncode == 0, r.stderr
        self.token = r.stdout.strip()
        if n_spans:
            ingest(self.srv, self.key, self.pid, spans(n_spans))

    def call(self, method, path, body=None):
        return self.srv.request(method, path, body, key=self.key)

    def create(self, name, cfg, register=True):
        status, a = self.call("POST", "/v1/project_automation",
                              {"project_id": self.pid, "name": name, "config": cfg})
        assert status == 200, a
        if register:
            status, body = self.call("POST", "/automation/cron",
                                     {"automation_id": a["id"], "cron": {"type": "btql_export"},
                                      "service_token": self.token})
            assert status == 200, body
        return a

    def run(self, a):
        status, run = self.call("POST", f"/automation/cron/{a['id']}/run")
        assert status == 200, run
        return run

    def probe(self, a):
        status, probe = self.call("POST", "/automation/test", {"automation_id": a["id"]})
        assert status == 200, probe
        return probe


class ExportAzureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.azurite = Azurite()
        cls.azurite.create_container(CONTAINER)
        cls.ex = Exporter(cls.azurite.server_env(), SPANS)
        cls.total = SPANS
        cls.tmp = tempfile.TemporaryDirectory()
        cls.others = []

    @classmethod
    def tearDownClass(cls):
        for ex in [cls.ex] + cls.others:
            ex.srv.stop()
        cls.azurite.stop()
        cls.tmp.cleanup()

    def exporter(self, env):
        ex = Exporter(env, 50)
        self.others.append(ex)
        return ex

    def data_keys(self, prefix, container=CONTAINER):
        return [k for k in self.azurite.keys(container, prefix) if "/_sluice/" not in k]

    def download(self, keys, container=CONTAINER):
        d = tempfile.mkdtemp(dir=self.tmp.name)
        return self.azurite.download(container, keys, d)

    def assertNoSecret(self, *texts, secrets=(AZURE_KEY,)):
        for text in texts:
            for secret in secrets:
                self.assertNotIn(secret, str(text))

    def test_1_spans_as_parquet_in_max_iterations_steps_then_only_new_rows(self):
        ex = self.ex
        a = ex.create("spans", config(self.azurite.path(CONTAINER, "team/spans"),
                                      {"type": "azure_shared_key"}, batch_size=3_000,
                                      max_iterations=3))
        self.assertEqual(a["config"]["credentials"], {"type": "azure_shared_key"})
        type(self).spans_export = a
        first = ex.run(a)
        self.assertEqual(first["status"], "warning", first)
        self.assertEqual(first["stats"]["files"], 3)
        self.assertIn(MAX_ITERATIONS_WARNING, str(first))
        runs = [first]
        while not runs[-1]["stats"]["caught_up"]:
            self.assertLess(len(runs), 5, runs)
            runs.append(ex.run(a))
        self.assertEqual(runs[-1]["status"], "success", runs[-1])
        self.assertEqual(sum(r["stats"]["rows"] for r in runs), SPANS)
        keys = self.data_keys("team/spans")
        self.assertEqual(len(keys), 7)  # 20,000 rows at 3,000 per file
        day = today_utc()
        self.assertEqual(keys, [f"team/spans/{day}/export_{n:03d}.parquet" for n in range(1, 8)])
        paths = self.download(keys)
        got = duckdb(f"SELECT count(*) AS n, count(DISTINCT id) AS d, min(id) AS lo, "
                     f"max(id) AS hi FROM {read(paths, 'parquet')}")[0]
        self.assertEqual(got, {"n": str(SPANS), "d": str(SPANS), "lo": "s0000000",
                               "hi": f"s{SPANS - 1:07d}"})
        row = duckdb(f"SELECT CAST(input AS VARCHAR) AS input, root_span_id "
                     f"FROM {read(paths, 'parquet')} WHERE id = 's0000042'")
        self.assertEqual(row, [{"input": '{"question":"q42"}', "root_span_id": "s0000040"}])
        manifests = self.azurite.manifests(CONTAINER, "team/spans")
        self.assertEqual(len(manifests), len(runs))
        listed = sorted(f["key"] for m in manifests for f in m["files"])
        self.assertEqual(listed, keys)
        self.assertEqual(sum(f["rows"] for m in manifests for f in m["files"]), SPANS)

        more = 1_000
        ingest(ex.srv, ex.key, ex.pid, spans(more, start=SPANS))
        type(self).total = SPANS + more
        again = ex.run(a)
        self.assertEqual(again["status"], "success", again)
        self.assertEqual(again["stats"]["rows"], more)
        new_keys = sorted(set(self.data_keys("team/spans")) - set(keys))
        self.assertEqual(new_keys, [f"team/spans/{day}/export_008.parquet"])
        got = duckdb(f"SELECT count(*) AS n, min(id) AS lo, max(id) AS hi "
                     f"FROM {read(self.download(new_keys), 'parquet')}")[0]
        self.assertEqual(got, {"n": str(more), "lo": f"s{SPANS:07d}",
                               "hi": f"s{SPANS + more - 1:07d}"})

        status, st = ex.call("GET", f"/automation/cron/{a['id']}/status?limit=100")
        self.assertEqual(status, 200, st)
        self.assertEqual([r["id"] for r in st["runs"]], [again["id"]] +
                         [r["id"] for r in reversed(runs)])
        self.assertEqual(st["runs"][-1]["status"], "warning")
        self.assertEqual(st["backlog_rows"], 0)
        self.assertNoSecret(st, first, again, ex.srv.read_log())

    def test_2_traces_as_json_lines_through_the_https_form_in_hive_folders(self):
        ex = self.ex
        path = f"https://{AZURE_ACCOUNT}.blob.core.windows.net/{CONTAINER}/traces"
        a = ex.create("traces", config(path, {"type": "azure_shared_key"}, fmt="jsonl",
                                       definition={"type": "log_traces"}, layout="hive"))
        run = ex.run(a)
        self.assertEqual(run["status"], "success", run)
        keys = self.data_keys("traces")
        self.assertEqual(keys, [f"traces/date={today_utc()}/export_001.jsonl"])
        traces = (self.total + 4) // 5
        got = duckdb(f"SELECT count(*) AS n, count(DISTINCT root_span_id) AS d, "
                     f"sum(span_count) AS spans FROM {read(self.download(keys), 'jsonl')}")[0]
        self.assertEqual(got, {"n": str(traces), "d": str(traces), "spans": str(self.total)})

    def test_3_the_test_reports_each_step_and_a_missing_container_says_to_create_it(self):
        ex = self.ex
        good = ex.create("probe-ok", config(self.azurite.path(CONTAINER, "probe"),
                                            {"type": "azure_shared_key"}), register=False)
        probe = ex.probe(good)
        self.assertTrue(probe["ok"], probe)
        self.assertEqual([s["name"] for s in probe["steps"]],
                         ["parse destination", "credentials", "put", "get", "delete"])
        self.assertIn("storage account key from sluice's environment", probe["steps"][1]["message"])
        self.assertEqual(self.azurite.keys(CONTAINER, "probe"), [], "the probe blob is deleted")

        missing = ex.create("missing", config(self.azurite.path("no-such-container", "p"),
                                              {"type": "azure_shared_key"}))
        probe = ex.probe(missing)
        self.assertFalse(probe["ok"])
        failed = [s for s in probe["steps"] if not s["ok"]]
        self.assertEqual(failed[0]["name"], "put")
        want = (f"container no-such-container does not exist in storage account {AZURE_ACCOUNT} "
                f"(create it, or check the names)")
        self.assertIn(want, failed[0]["message"])
        run = ex.run(missing)
        self.assertEqual(run["status"], "error", run)
        self.assertIn(want, run["error"])
        self.assertNoSecret(probe, run)

    def test_4_a_wrong_account_key_says_which_setting_to_check_and_never_shows_it(self):
        env = self.azurite.server_env(
            AZURE_STORAGE_CONNECTION_STRING=self.azurite.connection_string(WRONG_KEY))
        ex = self.exporter(env)
        a = ex.create("wrong-key", config(self.azurite.path(CONTAINER, "wrong-key"),
                                          {"type": "azure_shared_key"}))
        probe = ex.probe(a)
        self.assertFalse(probe["ok"])
        failed = [s for s in probe["steps"] if not s["ok"]]
        self.assertEqual(failed[0]["name"], "put", probe)
        self.assertIn("the storage account key was rejected: check AZURE_STORAGE_KEY (or "
                      "AccountKey in AZURE_STORAGE_CONNECTION_STRING)", failed[0]["message"])
        run = ex.run(a)
        self.assertEqual(run["status"], "error", run)
        self.assertIn("the storage account key was rejected", run["error"])
        _, st = ex.call("GET", f"/automation/cron/{a['id']}/status")
        self.assertEqual(st["cursor"], {"xact_id": "0", "row_key": 0})
        self.assertEqual(self.data_keys("wrong-key"), [])
        self.assertNoSecret(probe, run, st, ex.srv.read_log(), secrets=(WRONG_KEY, AZURE_KEY))

    def test_5_a_sas_writes_and_a_read_only_sas_is_denied_without_being_shown(self):
        full = self.azurite.sas(CONTAINER, "racwdl")
        ex = self.exporter(self.azurite.server_env(AZURE_STORAGE_CONNECTION_STRING=None,
                                                   AZURE_STORAGE_SAS_TOKEN=full,
                                                   AZURE_STORAGE_SERVICE_ENDPOINT=
                                                   self.azurite.endpoint))
        a = ex.create("sas", config(self.azurite.path(CONTAINER, "sas"), {"type": "azure_sas"},
                                    fmt="jsonl"))
        self.assertTrue(ex.probe(a)["ok"])
        run = ex.run(a)
        self.assertEqual(run["status"], "success", run)
        self.assertEqual(run["stats"]["rows"], 50)
        self.assertEqual(len(self.data_keys("sas")), 1)
        # The signature is what makes a SAS a secret.
        signature = [p for p in full.split("&") if p.startswith("sig=")][0]
        self.assertNoSecret(run, ex.srv.read_log(), secrets=(signature, full))

        read_only = self.azurite.sas(CONTAINER, "r")
        ex = self.exporter(self.azurite.server_env(AZURE_STORAGE_CONNECTION_STRING=None,
                                                   AZURE_STORAGE_SAS_TOKEN=read_only,
                                                   AZURE_STORAGE_SERVICE_ENDPOINT=
                                                   self.azurite.endpoint))
        a = ex.create("sas-ro", config(self.azurite.path(CONTAINER, "sas-ro"),
                                       {"type": "azure_sas"}))
        probe = ex.probe(a)
        self.assertFalse(probe["ok"])
        failed = [s for s in probe["steps"] if not s["ok"]]
        self.assertEqual(failed[0]["name"], "put", probe)
        self.assertIn("check AZURE_STORAGE_SAS_TOKEN", failed[0]["message"])
        self.assertIn("lacks the permission to write (w, c)", failed[0]["message"])
        run = ex.run(a)
        self.assertEqual(run["status"], "error", run)
        self.assertIn("lacks the permission to write (w, c)", run["error"])
        _, st = ex.call("GET", f"/automation/cron/{a['id']}/status")
        signature = [p for p in read_only.split("&") if p.startswith("sig=")][0]
        self.assertNoSecret(probe, run, st, ex.srv.read_log(), secrets=(signature, read_only))

    def test_6_credentials_that_do_not_fit_the_path_are_refused_with_the_shape_to_use(self):
        ex = self.ex
        for creds, want in (
                ({"type": "aws_iam", "role_arn": "arn:aws:iam::123456789012:role/r"},
                 "az:// paths take credentials {\"type\":\"azure_identity\""),
                ({"type": "azure_identity", "tenant_id": "c0570000-0000-0000-0000-000000000002"},
                 "config.credentials.client_id: required"),
                ({"type": "azure_identity", "tenant_id": "not a tenant",
                  "client_id": "a9900000-0000-0000-0000-000000000003"},
                 "config.credentials.tenant_id"),
                (None, "config.credentials: required")):
            cfg = config(self.azurite.path(CONTAINER, "x"), creds)
            if creds is None:
                del cfg["credentials"]
            status, err = ex.call("POST", "/v1/project_automation",
                                  {"project_id": ex.pid, "name": "bad", "config": cfg})
            self.assertEqual(status, 400, err)
            self.assertIn(want, err["error"]["message"])

    def test_7_storage_probe_and_its_old_name(self):
        env = self.azurite.server_env()
        for command in (["storage", "probe"], ["s3", "probe"]):
            r = subprocess.run([BINARY, *command, self.azurite.path(CONTAINER, "cli"),
                                "--shared-key"], capture_output=True, text=True, env=env,
                               timeout=120)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            for step in ("credentials", "put", "get", "delete"):
                self.assertIn(step, r.stdout)
            self.assertNoSecret(r.stdout, r.stderr)
        r = subprocess.run([BINARY, "storage", "probe", self.azurite.path("nope", "cli"),
                            "--shared-key"], capture_output=True, text=True, env=env, timeout=120)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("container nope does not exist", r.stdout + r.stderr)
        r = subprocess.run([BINARY, "storage", "probe", self.azurite.path(CONTAINER, "cli")],
                           capture_output=True, text=True, env=env, timeout=120)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--tenant-id and --client-id", r.stdout + r.stderr)

    def test_9_the_spans_export_imports_back_from_the_container(self):
        ex = self.ex
        a = type(self).spans_export  # written by test_1: 8 Parquet files
        status, p = ex.call("POST", "/v1/project", {"name": "azure import"})
        self.assertEqual(status, 200, p)
        status, job = ex.call("POST", f"/v1/project_logs/{p['id']}/import",
                              {"automation_id": a["id"]})
        self.assertEqual(status, 202, job)
        deadline = time.time() + 120
        while job["status"] == "running" and time.time() < deadline:
            time.sleep(0.2)
            status, job = ex.call("GET", f"/v1/import/{job['id']}")
        self.assertEqual((job["status"], job["rows"], job["files_done"]),
                         ("success", self.total, 8), job)
        self.assertTrue(job["source"].startswith("az://"), job)
        status, r = ex.call("POST", "/btql", {"query": f"select: id, input | from: "
                                              f"project_logs('{p['id']}') | filter: "
                                              f"id = 's0000042'"})
        self.assertEqual(status, 200, r)
        self.assertEqual([(e["id"], e["input"]) for e in r["data"]],
                         [("s0000042", {"question": "q42"})])
        self.assertNoSecret(job, ex.srv.read_log())

    def test_8_an_app_registration_is_reached_with_the_servers_own_entra_identity(self):
        # entra_fake.py: the managed identity endpoint sluice's own identity comes from, and the
        # customer's tenant, whose app TRUSTING_APP holds a federated credential for it.
        config = os.path.join(self.tmp.name, "entra.json")
        with open(config, "w") as f:
            json.dump({"identity_header": "hdr-1",
                       "apps": [{"tenant": TENANT, "client_id": TRUSTING_APP,
                                 "issuer": OWN_ISSUER, "subject": OWN_SUBJECT},
                                {"tenant": TENANT, "client_id": OTHER_APP,
                                 "issuer": OWN_ISSUER, "subject": "someone-else"}]}, f)
        port = free_port()
        authority = f"http://127.0.0.1:{port}"
        entra = subprocess.Popen([sys.executable, os.path.join(CLOUD_DIR, "entra_fake.py"),
                                  str(port), config], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, entra, "entra_fake.py")
            ex = self.exporter(self.azurite.server_env(IDENTITY_ENDPOINT=authority + "/msi/token",
                                                       IDENTITY_HEADER="hdr-1",
                                                       AZURE_AUTHORITY_HOST=authority))
            trusted = ex.create("entra", config_of_app(self.azurite, TRUSTING_APP),
                                register=False)
            self.assertEqual(trusted["config"]["credentials"],
                             {"type": "azure_identity", "tenant_id": TENANT,
                              "client_id": TRUSTING_APP})
            probe = ex.probe(trusted)
            names = [s["name"] for s in probe["steps"]]
            self.assertEqual(names[:3], ["parse destination", "azure identity",
                                         "app registration"], probe)
            self.assertTrue(probe["steps"][1]["ok"] and probe["steps"][2]["ok"], probe)
            self.assertIn(f"(issuer {OWN_ISSUER}, subject {OWN_SUBJECT})",
                          probe["steps"][1]["message"])

            other = ex.create("entra-other", config_of_app(self.azurite, OTHER_APP))
            probe = ex.probe(other)
            failed = [s for s in probe["steps"] if not s["ok"]]
            self.assertEqual(failed[0]["name"], "app registration", probe)
            want = (f"the app registration {OTHER_APP} in tenant {TENANT} must exist and hold a "
                    f"federated identity credential for issuer {OWN_ISSUER} and subject "
                    f"{OWN_SUBJECT} with audience api://AzureADTokenExchange")
            self.assertIn(want, failed[0]["message"])
            run = ex.run(other)
            self.assertEqual(run["status"], "error", run)
            self.assertIn(want, run["error"])
            # Tokens are JWTs: none may show.
            for text in (probe, run, ex.srv.read_log()):
                self.assertIsNone(re.search(r"eyJ[\w-]{10,}\.", str(text)))
        finally:
            entra.terminate()
            entra.wait(timeout=10)


def config_of_app(azurite, client_id):
    return config(azurite.path(CONTAINER, "entra"),
                  {"type": "azure_identity", "tenant_id": TENANT, "client_id": client_id})


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
