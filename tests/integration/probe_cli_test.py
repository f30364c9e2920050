"""`sluice s3 probe` against moto as a strict AWS (signatures, IAM policies and trust policies
checked): the right role and ExternalId pass every step; a wrong ExternalId and a prefix the role
policy does not cover fail with the message that says what to change.

Usage: python3 probe_cli_test.py /path/to/sluice   (python3 must have moto and boto3)
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

from sluice_server import free_port

BINARY = None
HERE = os.path.dirname(os.path.abspath(__file__))
BUCKET = "probe-bucket"
EXTERNAL_ID = "sluice:org:project:automation"


class ProbeCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.endpoint = f"http://127.0.0.1:{cls.port}"
        env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="6")
        cls.log = tempfile.TemporaryFile()
        cls.moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                                     str(cls.port)], env=env, stdout=cls.log, stderr=cls.log)
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(cls.endpoint + "/moto-api/", timeout=1)
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        out = subprocess.run([sys.executable, os.path.join(HERE, "cloud", "moto_setup.py"),
                              cls.endpoint, BUCKET, EXTERNAL_ID],
                             capture_output=True, text=True, check=True)
        cls.ids = json.loads(out.stdout)

    @classmethod
    def tearDownClass(cls):
        cls.moto.terminate()
        cls.moto.wait(timeout=10)

    def probe(self, destination, external_id=EXTERNAL_ID):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=self.ids["access_key_id"],
                   AWS_SECRET_ACCESS_KEY=self.ids["secret_access_key"], AWS_REGION="us-east-1")
        env.pop("AWS_PROFILE", None)
        return subprocess.run([BINARY, "s3", "probe", destination, "--role-arn", self.ids["role_arn"],
                               "--external-id", external_id, "--endpoint-url", self.endpoint,
                               "--s3-path-style"], capture_output=True, text=True, env=env, timeout=120)

    def test_right_role_and_external_id_pass_every_step(self):
        r = self.probe(f"s3://{BUCKET}/allowed/exports")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for step in ("assume role", "put", "get", "delete"):
            self.assertRegex(r.stdout, rf"(?m)^ok\s+{step}")
        self.assertNotIn(self.ids["secret_access_key"], r.stdout + r.stderr)

    def test_wrong_external_id_names_the_trust_policy_condition(self):
        r = self.probe(f"s3://{BUCKET}/allowed/exports", external_id="someone-else")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("AssumeRole denied", r.stdout)
        self.assertIn("sts:ExternalId", r.stdout)

    def test_prefix_outside_the_role_policy_names_the_missing_permission(self):
        r = self.probe(f"s3://{BUCKET}/elsewhere")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("s3:PutObject", r.stdout)
        self.assertIn(f"arn:aws:s3:::{BUCKET}/elsewhere/*", r.stdout)


if __name__ == "__main__":
    BINARY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
