"""Starts and stops a real `sluice serve` process for integration tests (stdlib only)."""
import atexit
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SluiceServer:
    """One `sluice serve` on a free loopback port with its own data directory."""

    def __init__(self, binary, data_dir=None, extra_args=()):
        self.binary = binary
        if data_dir is None:
            data_dir = tempfile.mkdtemp(prefix="sluice-it-")
            # Removed when the test process ends (set SLUICE_KEEP_TEST_DATA=1 to look at it).
            if not os.environ.get("SLUICE_KEEP_TEST_DATA"):
                atexit.register(shutil.rmtree, data_dir, True)
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.output = ""

    def start(self):
        self.port = free_port()
        self.log = open(os.path.join(self.data_dir, "serve.log"), "a")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--data-dir", self.data_dir,
             "--listen", f"127.0.0.1:{self.port}", *self.extra_args],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("sluice serve exited: " + self.read_log())
            try:
                status, _ = self.request("GET", "/healthz")
                if status == 200:
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("sluice serve did not become healthy: " + self.read_log())

    def read_log(self):
        with open(os.path.join(self.data_dir, "serve.log")) as f:
            return f.read()

    def credentials(self):
        out = {}
        with open(os.path.join(self.data_dir, "credentials")) as f:
            for line in f:
                k, _, v = line.strip().partition("=")
                out[k] = v
        return out

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        if getattr(self, "log", None):
            self.log.close()
        return self.proc.returncode

    def admin(self, *args):
        r = subprocess.run([self.binary, "admin", "--data-dir", self.data_dir, *args],
                           capture_output=True, text=True, timeout=30)
        return r

    def request(self, method, path, body=None, key=None, headers=None, raw=False):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = dict(headers or {})
        if key is not None:
            h["Authorization"] = f"Bearer {key}"
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            if isinstance(data, str):
                data = data.encode()
            h.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        payload = resp.read()
        conn.close()
        if raw:
            return resp.status, payload
        try:
            return resp.status, json.loads(payload) if payload else None
        except ValueError:
            return resp.status, payload.decode(errors="replace")
