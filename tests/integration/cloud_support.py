"""Azure Blob and Cloud Storage for the export integration tests, each started on a free loopback
port and read back only with its cloud's own client: Azurite (npm `azurite`) judged by
Microsoft's @azure/storage-blob (cloud/azure_blob.mjs), and the Cloud Storage fake
(tests/testing/gcs_fake.mjs, itself checked by integration.gcs_fake_check) judged by Google's
@google-cloud/storage (cloud/gcs_tool.mjs). The same few calls as export_support.Moto: keys,
download, manifests."""
import json
import os
import socket
import subprocess
import tempfile
import time

from sluice_server import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS_DIR = os.path.dirname(HERE)
CLOUD_DIR = os.path.join(HERE, "cloud")

# Azurite's public development account (documented by Microsoft; no real service accepts it).
AZURE_ACCOUNT = "devstoreaccount1"
AZURE_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
             "KBHBeksoGMGw==")


def wait_for_port(port, proc, what, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited (run scripts/setup for tests/node_modules)")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not start on port {port}")


def clean_env():
    """The test's environment without any cloud identity or endpoint of its own."""
    prefixes = ("AWS_", "AZURE_", "GOOGLE_", "GCE_", "CLOUDSDK_", "STORAGE_EMULATOR", "IDENTITY_",
                "MSI_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


class Azurite:
    """Azurite's blob service on a free port, in memory; files judged by @azure/storage-blob."""

    def __init__(self):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}/{AZURE_ACCOUNT}"
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            ["node", os.path.join(TESTS_DIR, "node_modules/azurite/dist/src/blob/main.js"),
             "--blobHost", "127.0.0.1", "--blobPort", str(self.port), "--inMemoryPersistence",
             "--disableTelemetry", "--silent"], stdout=self.log, stderr=self.log)
        wait_for_port(self.port, self.proc, "azurite")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def tool(self, *args):
        env = dict(os.environ, SLUICE_AZURE_BLOB_ENDPOINT=self.endpoint)
        r = subprocess.run(["node", os.path.join(CLOUD_DIR, "azure_blob.mjs"), *args], env=env,
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"azure_blob.mjs {args[0]} failed: {r.stderr}")
        return r.stdout

    def create_container(self, name):
        self.tool("create-container", name)

    def sas(self, container, permissions):
        """A container SAS (query string, no '?') with `permissions` ("rwdlc", "r")."""
        return self.tool("sas", container, permissions)

    def connection_string(self, key=AZURE_KEY):
        return (f"DefaultEndpointsProtocol=http;AccountName={AZURE_ACCOUNT};AccountKey={key};"
                f"BlobEndpoint={self.endpoint};")

    def server_env(self, **extra):
        """sluice serve with the account key in a connection string (credentials
        azure_shared_key); pass AZURE_STORAGE_CONNECTION_STRING=None to leave it out."""
        env = clean_env()
        env["AZURE_STORAGE_CONNECTION_STRING"] = self.connection_string()
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    def path(self, container, prefix):
        return f"az://{AZURE_ACCOUNT}/{container}/{prefix}"

    def keys(self, container, prefix):
        return sorted(json.loads(self.tool("list", container, prefix + "/")))

    def get(self, container, key):
        with tempfile.TemporaryDirectory() as d:
            self.tool("download", container, d, key)
            with open(os.path.join(d, key.replace("/", "__")), "rb") as f:
                return f.read()

    def download(self, container, keys, directory):
        """Writes each blob to `directory` under a flat name; returns the paths."""
        keys = list(keys)
        for i in range(0, len(keys), 200):
            self.tool("download", container, directory, *keys[i:i + 200])
        return [os.path.join(directory, k.replace("/", "__")) for k in keys]

    def manifests(self, container, prefix):
        keys = self.keys(container, prefix + "/_sluice/manifests")
        with tempfile.TemporaryDirectory() as d:
            out = []
            for path in self.download(container, keys, d):
                with open(path) as f:
                    out.append(json.load(f))
            return out


GCS_SERVER = "sluice-server@host.iam.gserviceaccount.com"
GCS_EXPORT = "export@customer.iam.gserviceaccount.com"
GCS_JUDGE = "judge@tests.iam.gserviceaccount.com"
GCS_BUCKET = "exports"


def _make_key(directory, name):
    key, pub = os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".pub")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", key], check=True, capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-out", pub], check=True,
                   capture_output=True)
    with open(key) as k, open(pub) as p:
        return k.read(), p.read()


class GcsFake:
    """The Cloud Storage fake (JSON API, token endpoint, IAM Credentials, metadata server) on a
    free port. sluice's own identity is the metadata server's account (GCS_SERVER), which may
    impersonate GCS_EXPORT; GCS_EXPORT and the judge may write the bucket `exports`, only the
    judge the bucket `private`. Read back with Google's client under the judge's key."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory()
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        d = self.dir.name
        server_pem, server_pub = _make_key(d, "server")
        judge_pem, judge_pub = _make_key(d, "judge")
        self.judge_key = os.path.join(d, "judge-key.json")
        with open(self.judge_key, "w") as f:
            json.dump({"type": "service_account", "project_id": "tests",
                       "private_key_id": "k-judge", "private_key": judge_pem,
                       "client_email": GCS_JUDGE, "token_uri": self.endpoint + "/token"}, f)
        config = os.path.join(d, "gcs-fake.json")
        with open(config, "w") as f:
            json.dump({"service_accounts": {GCS_SERVER: server_pub, GCS_JUDGE: judge_pub},
                       "token_creators": {GCS_EXPORT: [GCS_SERVER]},
                       "buckets": {GCS_BUCKET: [GCS_EXPORT, GCS_JUDGE], "private": [GCS_JUDGE]},
                       "metadata_email": GCS_SERVER}, f)
        self.log = open(os.path.join(d, "gcs-fake.log"), "w")
        self.proc = subprocess.Popen(["node", os.path.join(TESTS_DIR, "testing/gcs_fake.mjs"),
                                      str(self.port), config], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.proc, "the Cloud Storage fake")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()
        self.dir.cleanup()

    def server_env(self):
        """sluice serve whose Google identity is the metadata server (no key file)."""
        env = clean_env()
        env.update(GCE_METADATA_HOST=f"127.0.0.1:{self.port}",
                   STORAGE_EMULATOR_HOST=self.endpoint,
                   CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS=self.endpoint,
                   CLOUDSDK_CONFIG="/nonexistent/gcloud")
        return env

    def tool(self, *args):
        env = dict(os.environ, SLUICE_GCS_ENDPOINT=self.endpoint, SLUICE_GCS_KEY=self.judge_key)
        r = subprocess.run(["node", os.path.join(CLOUD_DIR, "gcs_tool.mjs"), *args], env=env,
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"gcs_tool.mjs {args[0]} failed: {r.stderr}")
        return r.stdout

    def requests(self):
        import urllib.request
        with urllib.request.urlopen(self.endpoint + "/_fake/requests", timeout=10) as r:
            return r.read().decode()

    def keys(self, bucket, prefix):
        return sorted(json.loads(self.tool("list", bucket, prefix + "/")))

    def download(self, bucket, keys, directory):
        keys = list(keys)
        for i in range(0, len(keys), 200):
            self.tool("download", bucket, directory, *keys[i:i + 200])
        return [os.path.join(directory, k.replace("/", "__")) for k in keys]

    def manifests(self, bucket, prefix):
        keys = self.keys(bucket, prefix + "/_sluice/manifests")
        with tempfile.TemporaryDirectory() as d:
            out = []
            for path in self.download(bucket, keys, d):
                with open(path) as f:
                    out.append(json.load(f))
            return out
