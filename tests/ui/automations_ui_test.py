"""Browser test of the automations UI: a real `sluice serve` (free port, temp data dir) with moto
as a strict AWS behind it, driven through Debian's Chromium by automations_ui.mjs
(playwright-core from tests/node_modules). The browser script asks this process over its
stdin/stdout to change IAM (FIX_ROLE <external_id>), since only this side holds the AWS keys.
Usage: automations_ui_test.py SLUICE_BINARY ARTIFACT_DIR"""
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS_DIR = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TESTS_DIR, "integration"))

from export_support import BUCKET, ExportServer, Moto, ingest, server_env, spans  # noqa: E402

SPANS = 25
PREFIX = "ui/spans"
ROLE = "ui-export"


def main():
    binary, artifacts = sys.argv[1], os.path.abspath(sys.argv[2])
    os.makedirs(artifacts, exist_ok=True)
    for name in os.listdir(artifacts):  # screenshots of an earlier run would mislead
        if name.endswith(".png"):
            os.remove(os.path.join(artifacts, name))
    started = time.time()
    moto = Moto()
    srv = None
    try:
        srv = ExportServer(binary, server_env(moto)).start()
        key = srv.credentials()["api_key"]
        status, project = srv.request("POST", "/v1/project", {"name": "ui-shop"}, key=key)
        assert status == 200, project
        ingest(srv, key, project["id"], spans(SPANS), batch=5)  # one transaction a trace
        r = srv.admin("create-key", "--name", "ui-exporter", "--project", project["id"],
                      "--service-token")
        assert r.returncode == 0, r.stderr
        token = r.stdout.strip()
        # The role trusts sluice's identity, but under an ExternalId of some other automation.
        role_arn = moto.make_role(ROLE, "sluice:not-this-automation", PREFIX)
        env = dict(os.environ, SLUICE_URL=f"http://127.0.0.1:{srv.port}/", SLUICE_KEY=key,
                   SLUICE_PROJECT_ID=project["id"], SLUICE_TOKEN=token, ROLE_ARN=role_arn,
                   EXPORT_PATH=f"s3://{BUCKET}/{PREFIX}", SPANS=str(SPANS),
                   ARTIFACT_DIR=artifacts)
        code = drive_browser(env, moto)
        if code == 0:
            keys = moto.keys(PREFIX)
            # One file from the first run, one from the run after the reset.
            data = [k for k in keys if k.endswith(".jsonl")]
            assert len(data) == 2, keys
            for key in data:
                rows = moto.get(key).decode().splitlines()
                assert len(rows) == SPANS, (key, len(rows))
            print(f"ok: the UI's two runs wrote {SPANS} rows each: {data}")
        print(f"ui test took {time.time() - started:.1f} s")
        return code
    finally:
        if srv:
            srv.stop()
        moto.stop()


def drive_browser(env, moto):
    proc = subprocess.Popen(["node", os.path.join(HERE, "automations_ui.mjs")], cwd=TESTS_DIR,
                            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("FIX_ROLE "):
            external_id = line.split(" ", 1)[1].strip()
            trust = {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": moto.exporter_arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}}}]}
            moto.iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(trust))
            proc.stdin.write("OK\n")
            proc.stdin.flush()
        else:
            sys.stdout.write(line)
            sys.stdout.flush()
    return proc.wait(timeout=120)


if __name__ == "__main__":
    sys.exit(main())
