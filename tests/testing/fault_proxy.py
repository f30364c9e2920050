"""A fault-injecting HTTP proxy for tests: forwards requests to an upstream server (moto) and,
per a plan set at run time, answers some of them with an error status, resets the connection
part-way through the request body, or stalls.

Usage: fault_proxy.py --upstream http://127.0.0.1:PORT --port PORT
Control (never forwarded):
  POST /__fault__      body: JSON list of faults, replacing the plan. A fault is
                       {"method": "PUT", "path_contains": "allowed/", "action": ACTION,
                        "count": N}; ACTION is "503" (S3 SlowDown), "500", "403",
                       "reset" (close with RST after reading part of the body) or
                       "stall" (sleep 5 s without answering). The first matching fault with
                       count > 0 applies and its count drops by one.
  GET  /__fault__/log  JSON list of [method, path, action or "forward"] for every request.
"""
import argparse
import http.client
import http.server
import json
import socket
import struct
import threading
import time
import urllib.parse

LOCK = threading.Lock()
PLAN = []
LOG = []

SLOWDOWN = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
            b'<Message>Please reduce your request rate.</Message>'
            b'<RequestId>FAULTPROXY</RequestId></Error>')
ERRORS = {
    "503": (503, SLOWDOWN),
    "500": (500, b"<Error><Code>InternalError</Code><Message>injected</Message></Error>"),
    "403": (403, b"<Error><Code>AccessDenied</Code><Message>injected</Message></Error>"),
}


def take_fault(method, path):
    with LOCK:
        for f in PLAN:
            if f.get("count", 1) <= 0:
                continue
            if f.get("method") and f["method"] != method:
                continue
            if f.get("path_contains", "") not in path:
                continue
            f["count"] = f.get("count", 1) - 1
            return f["action"]
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _control(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if method == "POST":
            with LOCK:
                PLAN[:] = json.loads(body or b"[]")
                LOG.clear()
            out = b"{}"
        else:
            with LOCK:
                out = json.dumps(LOG).encode()
        self._reply(200, out, [("Content-Type", "application/json")])

    def _reply(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _reset(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(min(length, 64 * 1024))
        # SO_LINGER with a zero timeout makes close() send RST.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _handle(self):
        if self.path.startswith("/__fault__"):
            return self._control(self.command)
        action = take_fault(self.command, self.path)
        with LOCK:
            LOG.append([self.command, self.path, action or "forward"])
        if action == "reset":
            return self._reset()
        if action == "stall":
            time.sleep(5)
            self.close_connection = True
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if action in ERRORS:
            status, payload = ERRORS[action]
            return self._reply(status, payload, [("Content-Type", "application/xml")])
        self._forward(body)

    def _forward(self, body):
        up = urllib.parse.urlparse(self.server.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        payload = resp.read()
        skip = {"transfer-encoding", "connection", "content-length"}
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in skip:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.upstream = args.upstream
    server.serve_forever()


if __name__ == "__main__":
    main()
