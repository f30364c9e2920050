"""Drives the real `sluice serve` binary over HTTP: projects, insert/merge/delete, fetch with a
cursor while inserts continue, every auth failure, cross-org isolation, and bad input.

Usage: python3 api_test.py /path/to/sluice   (CTest passes the built binary)
"""
import gzip
import http.client
import json
import os
import select
import signal
import socket
import stat
import sys
import threading
import time
import unittest
import uuid

from sluice_server import SluiceServer

BINARY = None


class ApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = SluiceServer(BINARY, extra_args=["--max-body-bytes", "1048576",
                                                   "--max-answer-bytes", "65536"]).start()
        creds = cls.srv.credentials()
        cls.key = creds["api_key"]
        cls.project_id = creds["project_id"]
        cls.org_id = creds["org_id"]

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    # -- helpers --
    def call(self, method, path, body=None, key="default", **kw):
        return self.srv.request(method, path, body, key=self.key if key == "default" else key, **kw)

    def insert(self, events, project_id=None, key="default"):
        return self.call("POST", f"/v1/project_logs/{project_id or self.project_id}/insert",
                         {"events": events}, key=key)

    def new_project(self, name=None):
        status, p = self.call("POST", "/v1/project", {"name": name or f"p-{uuid.uuid4()}"})
        self.assertEqual(status, 200, p)
        return p["id"]

    def fetch_all(self, project_id, page=None):
        rows, cursor = [], None
        while True:
            body = {"limit": page} if page else {}
            if cursor:
                body["cursor"] = cursor
            status, r = self.call("POST", f"/v1/project_logs/{project_id}/fetch", body)
            self.assertEqual(status, 200, r)
            if not r["events"]:
                return rows
            rows += r["events"]
            cursor = r["cursor"]

    def assert_error(self, resp, status, code, *fragments):
        got_status, body = resp
        self.assertEqual(got_status, status, body)
        self.assertEqual(body["error"]["code"], code, body)
        for f in fragments:
            self.assertIn(f, body["error"]["message"])

    # -- first start --
    def test_first_start_wrote_credentials_with_mode_0600(self):
        mode = stat.S_IMODE(os.stat(os.path.join(self.srv.data_dir, "credentials")).st_mode)
        self.assertEqual(mode, 0o600)
        self.assertTrue(self.key.startswith("sk-"))
        self.assertIn(self.key, self.srv.read_log())  # printed once, at first start

    # -- projects --
    def test_create_project_returns_the_existing_one_of_the_same_name(self):
        name = f"dup-{uuid.uuid4()}"
        s1, a = self.call("POST", "/v1/project", {"name": name, "description": "first"})
        s2, b = self.call("POST", "/v1/project", {"name": name, "description": "second"})
        self.assertEqual((s1, s2), (200, 200))
        self.assertEqual(a["id"], b["id"])
        self.assertEqual(b["description"], "first")
        s, got = self.call("GET", f"/v1/project/{a['id']}")
        self.assertEqual((s, got["name"], got["org_id"]), (200, name, self.org_id))
        s, listed = self.call("GET", f"/v1/project?project_name={name}")
        self.assertEqual([p["id"] for p in listed["objects"]], [a["id"]])

    def test_experiments_and_datasets_hold_their_own_rows(self):
        s, exp = self.call("POST", "/v1/experiment", {"project_id": self.project_id, "name": "e1"})
        self.assertEqual(s, 200, exp)
        s, ds = self.call("POST", "/v1/dataset", {"project_id": self.project_id, "name": "d1"})
        self.assertEqual(s, 200, ds)
        s, _ = self.call("POST", f"/v1/experiment/{exp['id']}/insert",
                         {"events": [{"id": "x", "input": "exp"}]})
        self.assertEqual(s, 200)
        s, _ = self.call("POST", f"/v1/dataset/{ds['id']}/insert",
                         {"events": [{"id": "x", "input": "ds", "expected": 1}]})
        self.assertEqual(s, 200)
        s, r = self.call("GET", f"/v1/experiment/{exp['id']}/fetch")
        self.assertEqual([(e["id"], e["input"], e["experiment_id"]) for e in r["events"]],
                         [("x", "exp", exp["id"])])
        s, r = self.call("POST", f"/v1/dataset/{ds['id']}/fetch", {})
        self.assertEqual([(e["input"], e["expected"]) for e in r["events"]], [("ds", 1)])
        s, again = self.call("POST", "/v1/experiment",
                             {"project_id": self.project_id, "name": "e1", "ensure_new": True})
        self.assertEqual((s, again["name"]), (200, "e1-1"))

    # -- rows --
    def test_insert_merge_merge_paths_and_delete(self):
        pid = self.new_project()
        s, r = self.insert([{"id": "r1", "input": {"q": "hi"}, "metadata": {"a": 1, "n": {"x": 1}},
                             "scores": {"acc": 0.5}, "tags": ["t"]}], pid)
        self.assertEqual((s, r), (200, {"row_ids": ["r1"]}))
        self.insert([{"id": "r1", "_is_merge": True, "metadata": {"b": 2, "n": {"y": 2}},
                      "output": "hello"}], pid)
        (row,) = self.fetch_all(pid)
        self.assertEqual(row["metadata"], {"a": 1, "n": {"x": 1, "y": 2}, "b": 2})
        self.assertEqual((row["input"], row["output"], row["tags"]), ({"q": "hi"}, "hello", ["t"]))
        self.insert([{"id": "r1", "_is_merge": True, "_merge_paths": [["metadata", "n"]],
                      "metadata": {"n": {"z": 3}}}], pid)
        (row,) = self.fetch_all(pid)
        self.assertEqual(row["metadata"], {"a": 1, "n": {"z": 3}, "b": 2})
        first_created = row["created"]
        self.insert([{"id": "r1", "input": "replaced"}], pid)
        (row,) = self.fetch_all(pid)
        self.assertEqual((row["input"], row["metadata"], row["created"]),
                         ("replaced", None, first_created))
        self.insert([{"id": "r1", "_object_delete": True}], pid)
        self.assertEqual(self.fetch_all(pid), [])

    def test_xact_ids_grow_and_are_decimal_strings(self):
        pid = self.new_project()
        self.insert([{"id": "a"}, {"id": "b"}], pid)
        self.insert([{"id": "c"}], pid)
        rows = self.fetch_all(pid)
        xs = [int(r["_xact_id"]) for r in rows]
        self.assertTrue(all(isinstance(r["_xact_id"], str) for r in rows))
        self.assertEqual(xs[0], xs[1])
        self.assertGreater(xs[2], xs[1])

    def test_fetch_cursor_pages_through_everything_while_inserts_continue(self):
        pid = self.new_project()
        self.insert([{"id": f"pre-{i}"} for i in range(250)], pid)
        stop = threading.Event()
        inserted = []

        def writer():
            i = 0
            while not stop.is_set() and i < 200:
                self.insert([{"id": f"live-{i}"}], pid)
                inserted.append(f"live-{i}")
                i += 1

        t = threading.Thread(target=writer)
        t.start()
        seen = []
        cursor = None
        for _ in range(40):  # page through while the writer runs
            body = {"limit": 17}
            if cursor:
                body["cursor"] = cursor
            s, r = self.call("POST", f"/v1/project_logs/{pid}/fetch", body)
            self.assertEqual(s, 200)
            seen += [e["id"] for e in r["events"]]
            cursor = r["cursor"] or cursor
        stop.set()
        t.join()
        while True:  # drain what is left
            s, r = self.call("POST", f"/v1/project_logs/{pid}/fetch", {"limit": 100, "cursor": cursor})
            if not r["events"]:
                break
            seen += [e["id"] for e in r["events"]]
            cursor = r["cursor"]
        self.assertEqual(len(seen), len(set(seen)), "a row was returned twice")
        self.assertEqual(set(seen), {f"pre-{i}" for i in range(250)} | set(inserted))

    def test_a_batch_with_one_bad_event_writes_nothing(self):
        pid = self.new_project()
        self.assert_error(self.insert([{"id": "ok1"}, {"id": "ok2"}, {"scores": {"acc": 7}}], pid),
                          400, "invalid_argument", "events[2].scores.acc")
        self.assert_error(self.insert([{"id": "ok3"}, {"span_parents": ["p"]}], pid),
                          400, "invalid_argument", "root_span_id")
        self.assertEqual(self.fetch_all(pid), [])

    # -- bad input --
    def test_bad_input_gets_400_naming_the_problem(self):
        path = f"/v1/project_logs/{self.project_id}/insert"
        self.assert_error(self.call("POST", path, '{"events": ['), 400, "invalid_argument", "JSON")
        self.assert_error(self.call("POST", path, b'{"events":[{"input":"\xff\xfe"}]}'),
                          400, "invalid_argument", "UTF-8")
        self.assert_error(self.call("POST", path, {"events": [{"metadata": [1]}]}),
                          400, "invalid_argument", "events[0].metadata")
        self.assert_error(self.call("POST", path, {"events": "x"}), 400, "invalid_argument", "events")
        self.assert_error(self.call("POST", path, {"events": [{"tags": "t"}]}),
                          400, "invalid_argument", "events[0].tags")
        self.assert_error(self.call("POST", "/v1/project", {"name": 5}), 400, "invalid_argument", "name")
        self.assert_error(self.call("POST", "/v1/project", {}), 400, "invalid_argument", "name")
        self.assert_error(self.call("POST", f"/v1/project_logs/{self.project_id}/fetch", {"limit": "x"}),
                          400, "invalid_argument", "limit")
        self.assert_error(self.call("POST", f"/v1/project_logs/{self.project_id}/fetch", {"cursor": "zz"}),
                          400, "invalid_argument", "cursor")

    def test_unknown_and_malformed_ids(self):
        missing = str(uuid.uuid4())
        self.assert_error(self.insert([{"id": "a"}], missing), 404, "not_found", missing)
        self.assert_error(self.call("GET", f"/v1/project/{missing}"), 404, "not_found")
        self.assert_error(self.call("POST", f"/v1/experiment/{missing}/insert", {"events": []}),
                          404, "not_found", "experiment")
        self.assert_error(self.call("POST", "/v1/project_logs/not-a-uuid/insert", {"events": []}),
                          400, "invalid_argument", "project_id")
        self.assert_error(self.call("POST", "/v1/experiment", {"project_id": missing}),
                          404, "not_found")

    def test_body_over_the_limit_gets_413(self):
        big = {"events": [{"input": "x" * (2 << 20)}]}
        status, body = self.call("POST", f"/v1/project_logs/{self.project_id}/insert", big)
        self.assertEqual(status, 413)
        self.assertEqual(body["error"]["code"], "resource_exhausted")

    def test_the_body_limit_holds_once_decompressed_and_for_chunked_bodies(self):
        pid = self.new_project()
        path = f"/v1/project_logs/{pid}/insert"
        small = json.dumps({"events": [{"id": "g1", "input": "hello"}]}).encode()
        status, body = self.call("POST", path, gzip.compress(small),
                                 headers={"Content-Encoding": "gzip"})
        self.assertEqual((status, body["row_ids"]), (200, ["g1"]), body)
        # 8 MiB once decompressed, a few KiB on the wire: over the 1 MiB limit all the same.
        big = json.dumps({"events": [{"id": "g2", "input": "x" * (8 << 20)}]}).encode()
        status, body = self.call("POST", path, gzip.compress(big, 9),
                                 headers={"Content-Encoding": "gzip"})
        self.assertEqual((status, body["error"]["code"]), (413, "resource_exhausted"), body)
        # The same body sent in chunks (no Content-Length): refused once it passes the limit;
        # the server may close the connection before the client has sent it all.
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        chunks = (big[i:i + (256 << 10)] for i in range(0, len(big), 256 << 10))
        try:
            conn.request("POST", path, body=chunks, encode_chunked=True,
                         headers={"Authorization": f"Bearer {self.key}",
                                  "Content-Type": "application/json"})
            self.assertEqual(conn.getresponse().status, 413)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            conn.close()
        self.assertEqual([e["id"] for e in self.fetch_all(pid)], ["g1"])

    def test_a_body_labelled_as_a_form_is_read_as_json(self):
        # What `curl -d` sends: the label of a form, a JSON body (here 20 KB, holding "&" and "=").
        pid = self.new_project()
        text = "a&limit=1&b=" + "y" * 20000
        status, body = self.call("POST", f"/v1/project_logs/{pid}/insert",
                                 {"events": [{"id": "f1", "input": text}, {"id": "f2"}]},
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200, body)
        self.assertEqual(sorted(body["row_ids"]), ["f1", "f2"])
        status, body = self.call("POST", f"/v1/project_logs/{pid}/fetch", '{"limit": 10}',
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200, body)
        self.assertEqual({e["id"]: e.get("input") for e in body["events"]},
                         {"f1": text, "f2": None})

    # -- auth --
    def test_every_auth_failure(self):
        path = "/v1/project"
        self.assert_error(self.call("GET", path, key=None), 401, "unauthenticated", "Authorization")
        self.assert_error(self.call("GET", path, key=None, headers={"Authorization": "Basic abc"}),
                          401, "unauthenticated", "Bearer")
        self.assert_error(self.call("GET", path, key="nonsense"), 401, "unauthenticated")
        self.assert_error(self.call("GET", path, key="sk-" + "A" * 52), 401, "unauthenticated",
                          "invalid API key")
        self.assert_error(self.call("GET", path, key=self.key[:-1] + ("a" if self.key[-1] != "a" else "b")),
                          401, "unauthenticated", "invalid API key")

    def test_permissions_read_write_and_revoke(self):
        pid = self.new_project()
        other = self.new_project()
        r = self.srv.admin("--org", self.org_id, "create-key", "--name", "reader", "--project", pid, "--permission", "read")
        self.assertEqual(r.returncode, 0, r.stderr)
        reader = r.stdout.strip()
        self.assertTrue(reader.startswith("sk-"))
        self.insert([{"id": "seen"}], pid)
        s, rows = self.call("POST", f"/v1/project_logs/{pid}/fetch", {}, key=reader)
        self.assertEqual((s, [e["id"] for e in rows["events"]]), (200, ["seen"]))
        self.assert_error(self.insert([{"id": "no"}], pid, key=reader), 403, "permission_denied",
                          "read", "write")
        self.assert_error(self.call("POST", f"/v1/project_logs/{other}/fetch", {}, key=reader),
                          403, "permission_denied")
        s, listed = self.call("GET", "/v1/project", key=reader)
        self.assertEqual([p["id"] for p in listed["objects"]], [pid])
        self.assert_error(self.call("POST", "/v1/project", {"name": "x"}, key=reader),
                          403, "permission_denied", "org-wide")
        r = self.srv.admin("--org", self.org_id, "create-key", "--name", "svc", "--project", pid, "--service-token")
        token = r.stdout.strip()
        self.assertTrue(token.startswith("sl-st-"), r.stdout + r.stderr)
        self.assertEqual(self.call("POST", f"/v1/project_logs/{pid}/fetch", {}, key=token)[0], 200)
        keys = self.srv.admin("--org", self.org_id, "list-keys").stdout
        self.assertNotIn(reader, keys)  # secrets never listed
        key_id = next(l.split()[0] for l in keys.splitlines() if " reader " in l)
        self.assertEqual(self.srv.admin("--org", self.org_id, "revoke-key", key_id).returncode, 0)
        self.assert_error(self.call("POST", f"/v1/project_logs/{pid}/fetch", {}, key=reader),
                          401, "unauthenticated", "revoked")

    def test_another_org_sees_404_for_our_objects(self):
        r = self.srv.admin("create-org", "--name", f"other-{uuid.uuid4()}")
        self.assertEqual(r.returncode, 0, r.stderr)
        other = dict(l.split("=", 1) for l in r.stdout.strip().splitlines())
        okey = other["api_key"]
        s, exp = self.call("POST", "/v1/experiment", {"project_id": self.project_id, "name": "private"})
        self.assert_error(self.call("GET", f"/v1/project/{self.project_id}", key=okey), 404, "not_found")
        self.assert_error(self.insert([{"id": "x"}], key=okey), 404, "not_found")
        self.assert_error(self.call("POST", f"/v1/experiment/{exp['id']}/fetch", {}, key=okey),
                          404, "not_found", "experiment")
        s, listed = self.call("GET", "/v1/project", key=okey)
        self.assertEqual((s, listed["objects"]), (200, []))
        s, listed = self.call("GET", "/v1/experiment", key=okey)
        self.assertEqual(listed["objects"], [])

    def test_btql_and_sql_return_the_same_rows_and_errors_have_positions(self):
        pid = self.new_project()
        self.insert([{"id": f"q{i}", "input": f"in{i}",
                      "metadata": {"env": "prod" if i % 2 else "dev"}} for i in range(6)], pid)
        btql = (f"select: id, input | from: project_logs('{pid}') | "
                "filter: metadata.env = 'prod' | sort: id asc")
        s, a = self.call("POST", "/btql", {"query": btql})
        self.assertEqual(s, 200, a)
        self.assertEqual([r["id"] for r in a["data"]], ["q1", "q3", "q5"])
        sql = (f"SELECT id, input FROM project_logs('{pid}') "
               "WHERE metadata.env = 'prod' ORDER BY id ASC")
        s, b = self.call("POST", "/btql", {"query": sql})
        self.assertEqual((s, b["data"]), (200, a["data"]))
        s, raw = self.srv.request("POST", "/btql", {"query": sql, "fmt": "jsonl"}, key=self.key,
                                  raw=True)
        self.assertEqual(s, 200)
        self.assertEqual(len(raw.decode().strip().splitlines()), 3)
        s, err = self.call("POST", "/btql", {"query": f"select: id | from: project_logs('{pid}') | filter: metdata.env = 'x'"})
        self.assertEqual(s, 400, err)
        self.assertIn("1:", err["error"]["message"])
        self.assertIn("metadata", err["error"]["message"])
        missing = str(uuid.uuid4())
        self.assert_error(self.call("POST", "/btql", {"query": f"select: id | from: project_logs('{missing}')"}),
                          404, "not_found")

    def test_btql_pages_end_at_the_answer_bound_and_cursors_give_every_row_once(self):
        # 40 rows of about 4 KB against --max-answer-bytes 65536: a page of limit 1000 ends
        # after about 16 rows, with a cursor, and following the cursors yields each row once.
        pid = self.new_project()
        self.insert([{"id": f"big{i:02d}", "input": "x" * 4000} for i in range(40)], pid)
        for clause, want in (("", [f"big{i:02d}" for i in range(40)]),
                             (" | sort: id desc", [f"big{i:02d}" for i in reversed(range(40))])):
            query = f"select: id, input | from: project_logs('{pid}') | limit: 1000{clause}"
            ids, pages, cursor = [], [], None
            while len(pages) < 10:
                body = {"query": query}
                if cursor:
                    body["cursor"] = cursor
                s, r = self.call("POST", "/btql", body)
                self.assertEqual(s, 200, r)
                pages.append(len(r["data"]))
                ids += [row["id"] for row in r["data"]]
                cursor = r["cursor"]
                if not cursor:
                    break
            self.assertEqual(ids, want, clause)
            self.assertGreaterEqual(len(pages), 3, (clause, pages))
            self.assertTrue(all(0 < n < 40 for n in pages[:-1]), (clause, pages))
        # fetch too: its pages of limit 10000 end at the bound.
        ids, pages, cursor = [], [], None
        while len(pages) < 10:
            body = {"limit": 10000, **({"cursor": cursor} if cursor else {})}
            s, r = self.call("POST", f"/v1/project_logs/{pid}/fetch", body)
            self.assertEqual(s, 200, r)
            if not r["events"]:
                break
            pages.append(len(r["events"]))
            ids += [e["id"] for e in r["events"]]
            cursor = r["cursor"]
        self.assertEqual(sorted(ids), [f"big{i:02d}" for i in range(40)])
        self.assertGreaterEqual(len(pages), 3, pages)

    def test_healthz_and_metrics(self):
        self.assertEqual(self.call("GET", "/healthz", key=None), (200, {"status": "ok"}))
        self.insert([{"id": "m1"}, {"id": "m2"}])
        s, text = self.srv.request("GET", "/metrics", raw=True)
        text = text.decode()
        self.assertEqual(s, 200)
        self.assertIn('sluice_http_requests_total{route="/v1/{object}/{id}/insert",method="POST",code="200"}', text)
        self.assertIn("sluice_http_request_duration_seconds_bucket", text)
        rows = [l for l in text.splitlines() if l.startswith('sluice_rows_inserted_total{object_type="project_logs"}')]
        self.assertTrue(rows and int(rows[0].split()[-1]) >= 2, text)


    # -- connections --
    def test_sixteen_keep_alive_clients_are_all_served(self):
        # Each client holds its connection open across two requests while the others connect:
        # idle connections must not keep a later client from being served, nor be dropped.
        clients = 16
        barrier = threading.Barrier(clients, timeout=60)
        results, lock = [], threading.Lock()

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
            got = []
            try:
                for path in ("/healthz", "/v1/project"):
                    conn.request("GET", path, headers={"Authorization": f"Bearer {self.key}"})
                    resp = conn.getresponse()
                    resp.read()
                    got.append(resp.status)
                    if path == "/healthz":
                        barrier.wait()
            except Exception as e:  # reset, closed while idle, barrier broken
                got.append(repr(e))
            finally:
                conn.close()
            with lock:
                results.append(got)

        threads = [threading.Thread(target=client) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(results, [[200, 200]] * clients)

    def test_a_burst_of_new_connections_is_queued_not_dropped(self):
        # While the server is stopped (as when all its threads are busy), the kernel completes
        # the handshakes of new connections into the listening socket's queue. A short queue
        # drops the SYNs beyond it, and those clients wait a second or more to retry.
        burst = 200
        socks = []
        os.kill(self.srv.proc.pid, signal.SIGSTOP)
        try:
            for _ in range(burst):
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", self.srv.port))
                socks.append(s)
            pending, deadline = list(socks), time.time() + 0.8
            while pending and time.time() < deadline:
                _, writable, _ = select.select([], pending, [], 0.05)
                pending = [s for s in pending if s not in writable]
            connected = sum(1 for s in socks if s not in pending and
                            s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0)
        finally:
            os.kill(self.srv.proc.pid, signal.SIGCONT)
            for s in socks:
                s.close()
        self.assertEqual(connected, burst, "connections left waiting for a SYN retry")
        self.assertEqual(self.call("GET", "/healthz")[0], 200)

    def test_post_without_body_or_length_is_an_empty_body(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        try:
            for _ in range(2):  # the connection stays usable
                conn.putrequest("POST", "/v1/project")
                conn.putheader("Authorization", f"Bearer {self.key}")
                conn.endheaders()
                resp = conn.getresponse()
                body = json.loads(resp.read())
                self.assertEqual(resp.status, 400, body)
                self.assertEqual(body["error"]["code"], "invalid_argument", body)
                self.assertIn("name", body["error"]["message"])
            conn.putrequest("POST", "/v1/no-such-route")
            conn.endheaders()
            resp = conn.getresponse()
            self.assertEqual(resp.status, 404)
            self.assertEqual(json.loads(resp.read())["error"]["code"], "not_found")
        finally:
            conn.close()

    def test_each_body_on_a_kept_connection_is_read_as_sent(self):
        # One connection is served by one request thread, which reads each body into the
        # buffer of the one before: a short body after long ones must be read whole and alone.
        pid = self.new_project()
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)

        def post(events, raw=None):
            body = raw if raw is not None else json.dumps({"events": events}).encode()
            conn.request("POST", f"/v1/project_logs/{pid}/insert", body,
                         {"Authorization": f"Bearer {self.key}",
                          "Content-Type": "application/json"})
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read())

        try:
            big = [{"id": f"big{i}", "input": "x" * 100_000} for i in range(9)]  # the limit: 1 MiB
            self.assertEqual(post(big)[0], 200)
            self.assertEqual(post([{"id": "small", "input": 1}])[0], 200)
            status, body = post(None, raw=b'{"events":[{"id":"s2","input":')
            self.assertEqual(status, 400, body)
            self.assertIn("invalid JSON", body["error"]["message"])
            self.assertEqual(post(big[:3])[0], 200)  # the same ids again: replaced
            self.assertEqual(post([{"id": "last", "input": [2]}])[0], 200)
        finally:
            conn.close()
        rows = {r["id"]: r for r in self.fetch_all(pid)}
        self.assertEqual(rows["small"]["input"], 1)
        self.assertEqual(rows["last"]["input"], [2])
        self.assertNotIn("s2", rows)
        self.assertEqual(len(rows), 9 + 1 + 1)
        self.assertEqual(rows["big7"]["input"], "x" * 100_000)

    # -- the connection, byte by byte --
    def head(self, method, path, length, extra=""):
        return (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {self.key}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {length}\r\n{extra}\r\n").encode()

    @staticmethod
    def read_response(f, headers=None):
        status = int(f.readline().split()[1])
        length = 0
        while line := f.readline().strip():
            name, _, value = line.decode().partition(":")
            if headers is not None:
                headers[name.lower()] = value.strip()
            if name.lower() == "content-length":
                length = int(value)
        return status, f.read(length)

    def test_requests_sent_back_to_back_on_one_connection_are_each_answered(self):
        # A client may send its next request before the answer to the one before (pipelining):
        # the bytes of the next request read along with a body must serve it, not be dropped.
        pid = self.new_project()
        path = f"/v1/project_logs/{pid}/insert"
        wire = b""
        for name in ("a", "b"):
            body = json.dumps({"events": [{"id": name, "input": name * 5000}]}).encode()
            wire += self.head("POST", path, len(body)) + body
        wire += self.head("GET", "/v1/project", 0)
        with socket.create_connection(("127.0.0.1", self.srv.port), timeout=30) as s:
            s.sendall(wire)
            f = s.makefile("rb")
            got = [self.read_response(f) for _ in range(3)]
        self.assertEqual([status for status, _ in got], [200, 200, 200], got)
        self.assertEqual(json.loads(got[1][1])["row_ids"], ["b"])
        self.assertEqual(sorted(r["id"] for r in self.fetch_all(pid)), ["a", "b"])

    def test_a_client_that_asks_to_continue_gets_100_before_it_sends_the_body(self):
        # curl asks so before a body over 1 MB, then waits up to a second before sending anyway.
        pid = self.new_project()
        body = json.dumps({"events": [{"id": "after-100"}]}).encode()
        with socket.create_connection(("127.0.0.1", self.srv.port), timeout=30) as s:
            s.sendall(self.head("POST", f"/v1/project_logs/{pid}/insert", len(body),
                                "Expect: 100-continue\r\n"))
            f = s.makefile("rb")
            s.settimeout(3)  # the server's read timeout is 5 s: a 100 sent only then is late
            self.assertEqual(f.readline(), b"HTTP/1.1 100 Continue\r\n")
            self.assertEqual(f.readline(), b"\r\n")
            s.settimeout(30)
            s.sendall(body)
            status, answer = self.read_response(f)
        self.assertEqual(status, 200, answer)
        self.assertEqual(json.loads(answer)["row_ids"], ["after-100"])

    def test_what_follows_a_request_that_cannot_be_read_is_not_served(self):
        # After a chunked body whose chunk size is not a number, or a request line that is not
        # HTTP, the server answers 400 with Connection: close and closes: the bytes after it,
        # here a whole insert, must not be taken for a next request.
        pid = self.new_project()
        path = f"/v1/project_logs/{pid}/insert"
        smuggled = json.dumps({"events": [{"id": "smuggled"}]}).encode()
        wire = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {self.key}\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"eve\r\nzz\r\n").encode()
        wire += self.head("POST", path, len(smuggled)) + smuggled
        garbled = b"NOT AN HTTP REQUEST\r\n\r\n" + self.head("POST", path, len(smuggled)) + smuggled
        for wire, message in ((wire, "could not be read"), (garbled, "malformed HTTP request")):
            with socket.create_connection(("127.0.0.1", self.srv.port), timeout=30) as s:
                s.sendall(wire)
                f = s.makefile("rb")
                headers = {}
                status, answer = self.read_response(f, headers)
                rest = f.read()  # up to the server's close
            self.assertEqual(status, 400, answer)
            self.assertIn(message, json.loads(answer)["error"]["message"])
            self.assertEqual(headers.get("connection"), "close", headers)
            self.assertNotIn("keep-alive", headers)  # it closes, and says nothing else
            self.assertEqual(rest, b"")
        self.assertEqual(self.fetch_all(pid), [])

    def test_a_body_that_arrives_in_pieces_is_read_whole(self):
        pid = self.new_project()
        events = [{"id": f"piece{i}", "input": "y" * 3000} for i in range(20)]
        body = json.dumps({"events": events}).encode()
        with socket.create_connection(("127.0.0.1", self.srv.port), timeout=30) as s:
            s.sendall(self.head("POST", f"/v1/project_logs/{pid}/insert", len(body)))
            for i in range(0, len(body), 7000):
                time.sleep(0.02)
                s.sendall(body[i:i + 7000])
            status, answer = self.read_response(s.makefile("rb"))
        self.assertEqual(status, 200, answer)
        self.assertEqual(len(json.loads(answer)["row_ids"]), 20)
        rows = self.fetch_all(pid)
        self.assertEqual(sorted(r["input"] for r in rows), ["y" * 3000] * 20)


class LifecycleTest(unittest.TestCase):
    def test_sigterm_stops_cleanly_and_data_survives_restart(self):
        srv = SluiceServer(BINARY).start()
        creds = srv.credentials()
        path = f"/v1/project_logs/{creds['project_id']}/insert"
        s, _ = srv.request("POST", path, {"events": [{"id": "durable"}]}, key=creds["api_key"])
        self.assertEqual(s, 200)
        self.assertEqual(srv.stop(signal.SIGTERM), 0)
        self.assertIn("stopped", srv.read_log())
        srv2 = SluiceServer(BINARY, data_dir=srv.data_dir).start()
        try:
            self.assertEqual(srv2.credentials(), creds)  # no second bootstrap
            s, r = srv2.request("POST", f"/v1/project_logs/{creds['project_id']}/fetch", {},
                                key=creds["api_key"])
            self.assertEqual([e["id"] for e in r["events"]], ["durable"])
        finally:
            srv2.stop()

    def test_a_server_killed_while_it_ingests_keeps_every_span_it_acknowledged(self):
        # SIGKILL, as a crash, while four clients post: every span the server answered 200 for
        # is there after a restart, once and as sent, and SQLite finds the file intact.
        import sqlite3
        srv = SluiceServer(BINARY).start()
        creds = srv.credentials()
        path = f"/v1/project_logs/{creds['project_id']}/insert"
        acknowledged, lock, stop = {}, threading.Lock(), threading.Event()

        def client(c):
            n = 0
            while not stop.is_set():
                batch = {f"c{c}-{n}-{k}": "x" * (500 + 37 * k) + f" {c}-{n}-{k}"
                         for k in range(100)}
                n += 1
                try:
                    status, _ = srv.request(
                        "POST", path,
                        {"events": [{"id": i, "input": v} for i, v in batch.items()]},
                        key=creds["api_key"])
                except OSError:
                    return  # the server is gone
                if status == 200:
                    with lock:
                        acknowledged.update(batch)

        threads = [threading.Thread(target=client, args=(c,)) for c in range(4)]
        for t in threads:
            t.start()
        deadline = time.time() + 20
        while time.time() < deadline:
            with lock:
                if len(acknowledged) >= 5000:
                    break
            time.sleep(0.05)
        os.kill(srv.proc.pid, signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join()
        srv.stop()
        with lock:
            sent = dict(acknowledged)
        self.assertGreaterEqual(len(sent), 5000)
        srv2 = SluiceServer(BINARY, data_dir=srv.data_dir).start()
        try:
            rows, cursor = [], None
            while True:
                body = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
                s, r = srv2.request("POST", f"/v1/project_logs/{creds['project_id']}/fetch",
                                    body, key=creds["api_key"])
                self.assertEqual(s, 200, r)
                if not r["events"]:
                    break
                rows += r["events"]
                cursor = r["cursor"]
        finally:
            srv2.stop()
        ids = [e["id"] for e in rows]
        self.assertEqual(len(ids), len(set(ids)))  # each span once
        stored = {e["id"]: e.get("input") for e in rows}
        missing = [i for i in sent if i not in stored]
        self.assertEqual(missing, [], f"{len(missing)} acknowledged spans lost")
        for i, v in sent.items():
            self.assertEqual(stored[i], v)
        db = sqlite3.connect(os.path.join(srv.data_dir, "sluice.db"))
        try:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
        finally:
            db.close()

    def test_a_second_server_on_a_taken_port_refuses_to_start(self):
        import subprocess
        import tempfile
        srv = SluiceServer(BINARY).start()
        try:
            with tempfile.TemporaryDirectory() as other:
                r = subprocess.run([BINARY, "serve", "--data-dir", other, "--listen",
                                    f"127.0.0.1:{srv.port}"], capture_output=True, text=True,
                                   timeout=30)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(f"cannot listen on 127.0.0.1:{srv.port}", r.stdout + r.stderr)
            self.assertEqual(srv.request("GET", "/healthz")[0], 200)
        finally:
            srv.stop()

    def test_bad_flags_are_reported(self):
        import subprocess
        r = subprocess.run([BINARY, "serve", "--listen", "nowhere"], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("host:port", r.stderr)
        r = subprocess.run([BINARY, "serve", "--store", "mysql://x"], capture_output=True, text=True)
        self.assertIn("sqlite:PATH", r.stderr)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
