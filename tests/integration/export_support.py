"""Shared pieces of the export integration tests: moto as a strict AWS (IAM, STS, S3 with
signatures and policies checked), one IAM role per automation trusting the exporter user under
that automation's ExternalId, span generation, and DuckDB (the npm package in tests/node_modules)
as the judge of the files. Files are read back with boto3 and DuckDB only, never with sluice."""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3

from sluice_server import SluiceServer, free_port

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS_DIR = os.path.dirname(HERE)
BUCKET = "sluice-exports"

# Reads every row of `source` (a DuckDB table function call) and prints the rows as JSON.
DUCKDB_SCRIPT = """
import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:', { threads: '1' });
const con = await db.connect();
const result = await con.runAndReadAll(process.argv[1]);
console.log(JSON.stringify(result.getRowObjectsJson()));
"""


def duckdb(sql):
    """Runs one SQL statement in DuckDB and returns its rows as dicts (values as JSON)."""
    r = subprocess.run(["node", "--input-type=module", "-e", DUCKDB_SCRIPT, sql], cwd=TESTS_DIR,
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError("duckdb failed: " + r.stderr)
    return json.loads(r.stdout)


def sql_str(s):
    return "'" + s.replace("'", "''") + "'"


class Moto:
    """moto_server on a free loopback port. The first three requests (no auth) create an admin
    user; everything after is signed and checked against IAM policies."""

    def __init__(self):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()
        env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3")
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                      "-p", str(self.port)], env=env, stdout=self.log,
                                     stderr=self.log)
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=1)
                break
            except Exception:
                if time.time() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("moto did not start")
                time.sleep(0.2)
        iam = self.client("iam", "setup", "setup")
        iam.create_user(UserName="admin")
        key = iam.create_access_key(UserName="admin")["AccessKey"]
        iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        self.admin = (key["AccessKeyId"], key["SecretAccessKey"])
        self.iam = self.client("iam")
        self.s3 = self.client("s3")
        self.s3.create_bucket(Bucket=BUCKET)
        # The identity sluice runs as: it may only assume roles.
        self.exporter_arn = self.iam.create_user(UserName="exporter")["User"]["Arn"]
        k = self.iam.create_access_key(UserName="exporter")["AccessKey"]
        self.exporter = (k["AccessKeyId"], k["SecretAccessKey"])
        self.iam.put_user_policy(UserName="exporter", PolicyName="assume",
                                 PolicyDocument=json.dumps({
                                     "Version": "2012-10-17",
                                     "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Resource": "*"}]}))
        self.account = self.exporter_arn.split(":")[4]

    def client(self, service, key_id=None, secret=None):
        key_id, secret = (key_id, secret) if key_id else self.admin
        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=key_id, aws_secret_access_key=secret)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def role_arn(self, name):
        return f"arn:aws:iam::{self.account}:role/{name}"

    def make_role(self, name, external_id, prefix):
        """A role the exporter may assume with `external_id`, allowed to write under prefix."""
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": self.exporter_arn},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}}}]}
        self.iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        self.iam.put_role_policy(RoleName=name, PolicyName="export", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow",
                 "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject",
                            "s3:AbortMultipartUpload"],
                 "Resource": f"arn:aws:s3:::{BUCKET}/{prefix}/*"},
                {"Effect": "Allow", "Action": "s3:ListBucket",
                 "Resource": f"arn:aws:s3:::{BUCKET}"}]}))
        return self.role_arn(name)

    def keys(self, prefix):
        # moto rejects the signature of a listing whose prefix holds a '/', so list by the
        # first path segment and filter here.
        out = []
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET,
                                                                 Prefix=prefix.split("/")[0])
        for page in pages:
            out.extend(o["Key"] for o in page.get("Contents", [])
                       if o["Key"].startswith(prefix + "/"))
        return sorted(out)

    def get(self, key):
        return self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    def download(self, keys, directory):
        """Writes each object to `directory` under a flat name; returns the paths."""
        paths = []
        for key in keys:
            path = os.path.join(directory, key.replace("/", "__"))
            with open(path, "wb") as f:
                f.write(self.get(key))
            paths.append(path)
        return paths

    def manifests(self, prefix):
        return [json.loads(self.get(k)) for k in self.keys(prefix + "/_sluice/manifests")]


def server_env(moto):
    """The environment sluice serve runs with: the exporter's own keys, moto as endpoint."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=moto.exporter[0], AWS_SECRET_ACCESS_KEY=moto.exporter[1],
               AWS_REGION="us-east-1", AWS_ENDPOINT_URL=moto.endpoint,
               AWS_SHARED_CREDENTIALS_FILE="/nonexistent/credentials",
               AWS_CONFIG_FILE="/nonexistent/config", SLUICE_S3_PATH_STYLE="1")
    return env


class ExportServer(SluiceServer):
    """SluiceServer started with an environment (AWS settings, fault injection)."""

    def __init__(self, binary, env, data_dir=None, tick_seconds=0):
        super().__init__(binary, data_dir=data_dir,
                         extra_args=["--scheduler-tick-seconds", str(tick_seconds)])
        self.env = env

    def start(self):
        # SluiceServer starts the process with the current environment: swap it in briefly.
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.env)
        try:
            return super().start()
        finally:
            os.environ.clear()
            os.environ.update(saved)


def spans(n, start=0, spans_per_trace=5, created="2026-01-01T00:00:00Z"):
    """n spans in traces of `spans_per_trace`; span i has id s<i> and metadata.group i % 7."""
    out = []
    for i in range(start, start + n):
        root = i - i % spans_per_trace
        e = {"id": f"s{i:07d}", "span_id": f"s{i:07d}", "root_span_id": f"s{root:07d}",
             "input": {"question": f"q{i}"}, "output": f"a{i}", "created": created,
             "metadata": {"group": i % 7, "n": i}, "metrics": {"tokens": i % 100}}
        if i != root:
            e["span_parents"] = [f"s{root:07d}"]
        out.append(e)
    return out


def ingest(srv, key, project_id, events, batch=1000):
    for i in range(0, len(events), batch):
        status, body = srv.request("POST", f"/v1/project_logs/{project_id}/insert",
                                   {"events": events[i:i + batch]}, key=key)
        if status != 200:
            raise RuntimeError(f"insert failed: {status} {body}")


def export_config(path, fmt="parquet", definition=None, role_arn=None, **extra):
    c = {"event_type": "btql_export", "export_definition": definition or {"type": "log_spans"},
         "export_path": path, "format": fmt, "interval_seconds": 3600}
    if role_arn:
        c["credentials"] = {"type": "aws_iam", "role_arn": role_arn}
    c.update(extra)
    return c
