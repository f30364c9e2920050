"""The Braintrust SDK routes of a real `sluice serve`, called the way curl would: every 400, 401,
403 and 404 they answer, permissions as on /v1 (a project-scoped key stays in its project, a
read-only key writes nothing, another org's ids are 404), nothing stored by a refused batch,
`_parent_id` nesting, and --public-url in what the server hands out.

Usage: python3 sdk_protocol_test.py /path/to/sluice   (CTest passes the built binary)
"""
import datetime
import sys
import time
import unittest
import uuid

from sluice_server import SluiceServer

BINARY = None
PUBLIC = "https://sluice.example.test"


class SdkProtocolTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = SluiceServer(BINARY, extra_args=["--public-url", PUBLIC + "/",
                                                   "--scheduler-tick-seconds", "1"]).start()
        creds = cls.srv.credentials()
        cls.key, cls.org_id, cls.project_id = creds["api_key"], creds["org_id"], creds["project_id"]
        cls.other = cls.new_project("second")
        cls.writer = cls.admin_key("writer", cls.project_id, "write")
        cls.reader = cls.admin_key("reader", cls.project_id, "read")
        r = cls.srv.admin("create-org", "--name", f"other-{uuid.uuid4()}")
        cls.foreign = dict(l.split("=", 1) for l in r.stdout.strip().splitlines())

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    @classmethod
    def new_project(cls, name):
        status, p = cls.srv.request("POST", "/v1/project", {"name": name}, key=cls.key)
        assert status == 200, p
        return p["id"]

    @classmethod
    def admin_key(cls, name, project, permission):
        r = cls.srv.admin("--org", cls.org_id, "create-key", "--name", name, "--project", project,
                          "--permission", permission)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def call(self, method, path, body=None, key="default", **kw):
        return self.srv.request(method, path, body, key=self.key if key == "default" else key, **kw)

    def assert_error(self, resp, status, code, *fragments):
        got_status, body = resp
        self.assertEqual(got_status, status, body)
        self.assertEqual(body["error"]["code"], code, body)
        for f in fragments:
            self.assertIn(f, body["error"]["message"])

    def log_rows(self, project_id, *rows):
        return [dict(r, project_id=project_id, log_id="g") for r in rows]

    def logs3(self, rows, key="default"):
        return self.call("POST", "/logs3", {"rows": rows, "api_version": 2}, key=key)

    def fetch_ids(self, project_id):
        status, r = self.call("POST", f"/v1/project_logs/{project_id}/fetch", {"limit": 1000})
        self.assertEqual(status, 200, r)
        return sorted(e["id"] for e in r["events"])

    # -- login and registration --
    def test_login_answers_the_public_url_and_refuses_bad_keys(self):
        status, info = self.call("POST", "/api/apikey/login")
        self.assertEqual(status, 200, info)
        self.assertEqual(info["org_info"][0]["api_url"], PUBLIC)
        self.assertEqual(info["org_info"][0]["id"], self.org_id)
        self.assert_error(self.call("POST", "/api/apikey/login", key=None), 401, "unauthenticated",
                          "Authorization")
        self.assert_error(self.call("POST", "/api/apikey/login", key="sk-" + "A" * 52), 401,
                          "unauthenticated", "invalid API key")
        revoked = self.admin_key("to-revoke", self.project_id, "read")
        keys = self.srv.admin("--org", self.org_id, "list-keys").stdout
        key_id = next(l.split()[0] for l in keys.splitlines() if " to-revoke " in l)
        self.assertEqual(self.srv.admin("--org", self.org_id, "revoke-key", key_id).returncode, 0)
        self.assert_error(self.call("POST", "/api/apikey/login", key=revoked), 401,
                          "unauthenticated", "revoked")

    def test_registration_stays_within_the_keys_grants(self):
        # A project-scoped key registers (gets) its own project, but creates none and reads no other.
        status, got = self.call("POST", "/api/project/register", {"project_name": "default"},
                                key=self.writer)
        self.assertEqual((status, got["project"]["id"]), (200, self.project_id))
        self.assert_error(self.call("POST", "/api/project/register", {"project_name": "brand-new"},
                                    key=self.writer), 403, "permission_denied", "org-wide")
        self.assert_error(self.call("POST", "/api/project/register", {"project_name": "second"},
                                    key=self.writer), 403, "permission_denied")
        self.assert_error(self.call("POST", "/api/experiment/register",
                                    {"project_id": self.project_id, "experiment_name": "e"},
                                    key=self.reader), 403, "permission_denied", "write")
        self.assert_error(self.call("POST", "/api/dataset/register",
                                    {"project_id": self.project_id, "dataset_name": "ro"},
                                    key=self.reader), 403, "permission_denied", "write")
        self.assert_error(self.call("POST", "/api/project/register",
                                    {"project_name": "x", "org_id": self.foreign["org_id"]}), 404,
                          "not_found", "org")
        self.assert_error(self.call("POST", "/api/experiment/register",
                                    {"project_id": self.project_id},
                                    key=self.foreign["api_key"]), 404, "not_found", "project")
        self.assert_error(self.call("GET", f"/api/project?id={self.project_id}",
                                    key=self.foreign["api_key"]), 404, "not_found")
        self.assert_error(self.call("GET", "/api/project"), 400, "invalid_argument", "id")
        self.assert_error(self.call("POST", "/api/dataset/register", {"project_name": "default"}),
                          400, "invalid_argument", "dataset_name")
        self.assert_error(self.call("POST", "/api/experiment/register",
                                    {"project_name": "default", "experiment_name": "z",
                                     "base_experiment": "missing"}),
                          400, "invalid_argument", "base experiment")
        self.assert_error(self.call("POST", "/api/experiment/register", "[1]"), 400,
                          "invalid_argument", "JSON object")
        self.assert_error(self.call("POST", "/api/base_experiment/get_id", {"id": "x"}), 400,
                          "invalid_argument", "UUID")

    def test_an_experiment_without_a_name_or_base_gets_both(self):
        body = {"project_id": self.other, "repo_info": {"commit": "c1", "branch": "feature"}}
        s, first = self.call("POST", "/api/experiment/register", body)
        self.assertEqual(s, 200, first)
        self.assertTrue(first["experiment"]["name"].startswith("feature-"))
        self.assertEqual(first["experiment"]["repo_info"]["commit"], "c1")
        s, second = self.call("POST", "/api/experiment/register",
                              {"project_id": self.other, "ancestor_commits": ["c9", "c1"]})
        self.assertEqual(second["experiment"]["base_exp_id"], first["experiment"]["id"])
        s, base = self.call("POST", "/api/base_experiment/get_id",
                            {"id": second["experiment"]["id"]})
        self.assertEqual(base, {"base_exp_id": first["experiment"]["id"],
                                "base_exp_name": first["experiment"]["name"]})
        self.assert_error(self.call("POST", "/api/base_experiment/get_id",
                                    {"id": first["experiment"]["id"]}), 400, "invalid_argument",
                          "no base experiment")

    # -- /logs3 --
    def test_logs3_refuses_without_writing_anything(self):
        pid = self.new_project(f"logs3-{uuid.uuid4()}")
        good = self.log_rows(pid, {"id": "ok", "input": 1})
        self.assert_error(self.logs3(good, key=None), 401, "unauthenticated")
        self.assert_error(self.logs3(good + self.log_rows(pid, {"id": "bad", "scores": {"a": 9}})),
                          400, "invalid_argument", "rows[1].scores.a")
        self.assert_error(self.logs3(good + [{"id": "lost"}]), 400, "invalid_argument",
                          "rows[1]: names no object")
        self.assert_error(self.logs3(self.log_rows(self.project_id, {"id": "x"}), key=self.reader),
                          403, "permission_denied", "read", "write")
        # A batch touching another project the key has no grant on writes nothing at all.
        mixed = self.log_rows(self.project_id, {"id": "mine"}) + self.log_rows(pid, {"id": "theirs"})
        self.assert_error(self.logs3(mixed, key=self.writer), 403, "permission_denied", "rows[1]")
        self.assert_error(self.logs3(good, key=self.foreign["api_key"]), 404, "not_found")
        self.assert_error(self.call("POST", "/logs3", "{not json"), 400, "invalid_argument",
                          "invalid JSON")
        self.assert_error(self.call("POST", "/logs3", {"rows": [], "api_version": 1}), 400,
                          "invalid_argument", "api_version")
        self.assertEqual(self.fetch_ids(pid), [])
        self.assertNotIn("mine", self.fetch_ids(self.project_id))
        s, r = self.logs3(good)
        self.assertEqual((s, r["row_ids"]), (200, ["ok"]))
        self.assertEqual(self.fetch_ids(pid), ["ok"])

    def test_logs3_writes_several_objects_in_one_transaction_and_nests_by_parent_id(self):
        pid = self.new_project(f"multi-{uuid.uuid4()}")
        s, exp = self.call("POST", "/api/experiment/register",
                           {"project_id": pid, "experiment_name": "multi"})
        eid = exp["experiment"]["id"]
        rows = self.log_rows(pid, {"id": "root", "input": "q"}, {"id": "child", "_parent_id": "root"})
        rows += [{"id": "e1", "experiment_id": eid, "scores": {"acc": 1}}]
        s, r = self.logs3(rows)
        self.assertEqual((s, r["row_ids"]), (200, ["root", "child", "e1"]))
        s, fetched = self.call("POST", f"/v1/project_logs/{pid}/fetch", {})
        by_id = {e["id"]: e for e in fetched["events"]}
        self.assertEqual(by_id["child"]["span_parents"], [by_id["root"]["span_id"]])
        self.assertEqual(by_id["child"]["root_span_id"], by_id["root"]["root_span_id"])
        s, fetched = self.call("POST", f"/v1/experiment/{eid}/fetch", {})
        self.assertEqual(fetched["events"][0]["_xact_id"], r["xact_id"])
        self.assertEqual(by_id["root"]["_xact_id"], r["xact_id"])
        # A parent stored by an earlier request is found too; an unknown one is a 400.
        s, r = self.logs3(self.log_rows(pid, {"id": "late", "_parent_id": "child"}))
        self.assertEqual(s, 200, r)
        self.assert_error(self.logs3(self.log_rows(pid, {"id": "orphan", "_parent_id": "nope"})),
                          400, "invalid_argument", "_parent_id", "nope")
        self.assert_error(self.logs3([{"id": "x", "experiment_id": eid, "project_id": self.other}]),
                          400, "invalid_argument", "project_id")

    # -- overflow, attachments, signed URLs --
    def test_uploads_need_write_and_a_signature(self):
        self.assert_error(self.call("POST", "/logs3/overflow", {"size_bytes": 10}, key=self.reader),
                          403, "permission_denied")
        s, grant = self.call("POST", "/logs3/overflow", {"size_bytes": 10})
        self.assertEqual(s, 200, grant)
        self.assertTrue(grant["signedUrl"].startswith(PUBLIC + "/blob/overflow/"))
        path = grant["signedUrl"][len(PUBLIC):]
        self.assert_error(self.call("PUT", path.split("?")[0], "{}", key=None), 403,
                          "permission_denied", "not signed")
        self.assert_error(self.call("PUT", path.replace("overflow/", "attachment/"), "{}", key=None),
                          403, "permission_denied", "signature")
        self.assert_error(self.call("POST", "/attachment", {"key": "k", "content_type": "text/plain"},
                                    key=self.reader), 403, "permission_denied")
        self.assert_error(self.call("POST", "/attachment", {"key": "../x",
                                                            "content_type": "text/plain"}),
                          400, "invalid_argument", "key")
        self.assert_error(self.call("GET", "/attachment?key=none"), 404, "not_found")
        self.assert_error(self.call("GET", f"/attachment?key=none&org_id={self.foreign['org_id']}"),
                          404, "not_found", "org")
        s, up = self.call("POST", "/attachment", {"key": "note-1", "filename": "n.txt",
                                                  "content_type": "text/plain"})
        self.assertEqual(s, 200, up)
        self.assert_error(self.call("POST", "/attachment/status",
                                    {"key": "note-1", "status": {"upload_status": "done"}}), 400,
                          "invalid_argument", "not uploaded")
        put = up["signedUrl"][len(PUBLIC):]
        self.assertEqual(self.call("PUT", put, "hello", key=None)[0], 200)
        self.assertEqual(self.call("POST", "/attachment/status",
                                   {"key": "note-1", "status": {"upload_status": "done"}})[0], 200)
        s, meta = self.call("GET", "/attachment?key=note-1")
        self.assertEqual(meta["status"], {"upload_status": "done"})
        s, data = self.call("GET", meta["downloadUrl"][len(PUBLIC):], key=None, raw=True)
        self.assertEqual((s, data), (200, b"hello"))
        self.assert_error(self.call("GET", "/attachment?key=note-1", key=self.foreign["api_key"]),
                          404, "not_found")

    def upload_attachment(self, key, data):
        s, up = self.call("POST", "/attachment", {"key": key, "filename": f"{key}.txt",
                                                  "content_type": "text/plain"})
        self.assertEqual(s, 200, up)
        self.assertEqual(self.call("PUT", up["signedUrl"][len(PUBLIC):], data, key=None)[0], 200)
        self.assertEqual(self.call("POST", "/attachment/status",
                                   {"key": key, "status": {"upload_status": "done"}})[0], 200)
        return {"type": "braintrust_attachment", "key": key, "filename": f"{key}.txt",
                "content_type": "text/plain"}

    def test_attachments_go_with_their_rows_when_retention_purges_them(self):
        pid = self.new_project(f"attach-{uuid.uuid4()}")
        old_day = (datetime.datetime.now(datetime.timezone.utc) -
                   datetime.timedelta(days=10)).isoformat().replace("+00:00", "Z")
        # The SDKs write the row first and upload the file after.
        rows = self.log_rows(pid, {"id": "old", "created": old_day,
                                   "input": {"doc": {"type": "braintrust_attachment",
                                                     "key": "att-old", "filename": "att-old.txt",
                                                     "content_type": "text/plain"}}},
                             {"id": "new", "output": [{"file": {"type": "braintrust_attachment",
                                                                "key": "att-new"}}]})
        self.assertEqual(self.logs3(rows)[0], 200)
        self.upload_attachment("att-old", "old bytes")
        self.upload_attachment("att-new", "new bytes")
        s, a = self.call("POST", "/v1/project_automation", {
            "project_id": pid, "name": "drop-old",
            "config": {"event_type": "retention", "object_type": "project_logs",
                       "retention_days": 1, "grace_seconds": 0}})
        self.assertEqual(s, 200, a)
        s, run = self.call("POST", f"/automation/retention/{a['id']}/run")
        self.assertEqual(s, 200, run)
        deadline = time.time() + 30
        while time.time() < deadline:  # the scheduler (1 s tick) purges, then sweeps
            if self.call("GET", "/attachment?key=att-old")[0] == 404:
                break
            time.sleep(0.3)
        self.assert_error(self.call("GET", "/attachment?key=att-old"), 404, "not_found")
        s, meta = self.call("GET", "/attachment?key=att-new")
        self.assertEqual(s, 200, meta)
        self.assertEqual(self.call("GET", meta["downloadUrl"][len(PUBLIC):], key=None, raw=True),
                         (200, b"new bytes"))
        self.assertEqual(self.fetch_ids(pid), ["new"])

    # -- reads --
    def test_btql_trees_and_summaries_check_permissions(self):
        s, exp = self.call("POST", "/api/experiment/register",
                           {"project_id": self.project_id, "experiment_name": "private"})
        eid = exp["experiment"]["id"]
        tree = {"from": {"op": "function", "name": {"op": "ident", "name": ["experiment"]},
                         "args": [{"op": "literal", "value": eid}]}, "limit": 5}
        self.assertEqual(self.call("POST", "/btql", {"query": tree})[0], 200)
        self.assert_error(self.call("POST", "/btql", {"query": tree}, key=self.foreign["api_key"]),
                          404, "not_found", "experiment")
        bad = dict(tree, filter={"op": "eq", "left": {"op": "ident", "name": ["inptu"]},
                                 "right": {"op": "literal", "value": 1}})
        self.assert_error(self.call("POST", "/btql", {"query": bad}), 400, "invalid_argument",
                          "at query.filter.left")
        self.assert_error(self.call("POST", "/btql", {"query": 7}), 400, "invalid_argument", "query")
        self.assert_error(self.call("GET", f"/experiment-comparison2?experiment_id={eid}",
                                    key=self.foreign["api_key"]), 404, "not_found")
        self.assert_error(self.call("GET", "/experiment-comparison2"), 400, "invalid_argument",
                          "experiment_id")
        s, summary = self.call("GET", f"/experiment-comparison2?experiment_id={eid}")
        self.assertEqual((s, summary), (200, {"scores": {}, "metrics": {}}))


if __name__ == "__main__":
    BINARY = sys.argv.pop(1)
    unittest.main(verbosity=2)
