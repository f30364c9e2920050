"""A loopback stand-in for Microsoft Entra ID's token endpoints, for sluice's Azure identity tests.

It implements what sluice calls, as Microsoft documents it:
- the App Service managed identity endpoint: GET /msi/token?api-version=2019-08-01&resource=R
  with the header X-IDENTITY-HEADER;
- the v2.0 token endpoint: POST /<tenant>/oauth2/v2.0/token, grant_type=client_credentials,
  with client_secret, or with a jwt-bearer client_assertion.

Tokens are unsigned JWTs (three parts) carrying iss, sub, aud, iat, nbf and exp, which is what
Azurite's "--oauth basic" checks. The server's own identity (managed identity, a secret or a
federated token file) gets issuer OWN_ISSUER and subject OWN_SUBJECT. A customer's app
registration answers only to an assertion whose issuer and subject match its federated
credential, and then issues a token for https://storage.azure.com with an sts.windows.net
issuer. Every request is recorded; GET /_requests returns them.

usage: entra_fake.py <port> <config.json>
config: {"identity_header": "...", "secrets": {"<tenant>/<client>": "<secret>"},
         "apps": [{"tenant": "...", "client_id": "...", "issuer": "...", "subject": "..."}]}
"""
import base64
import json
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OWN_ISSUER = "https://login.microsoftonline.com/f00d0000-0000-0000-0000-000000000001/v2.0"
OWN_SUBJECT = "5e1f0000-0000-0000-0000-00000000a11e"
EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"

CONFIG = {}
REQUESTS = []


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(claims):
    header = b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    return header + "." + b64url(json.dumps(claims).encode()) + ".c2lnbmF0dXJl"


def claims_of(token):
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        return json.loads(base64.urlsafe_b64decode(payload))
    except ValueError:
        return None


def token_for(iss, sub, aud):
    now = int(time.time())
    return jwt({"iss": iss, "sub": sub, "aud": aud, "iat": now, "nbf": now - 60, "exp": now + 3600,
                "oid": sub, "tid": iss.split("/")[3] if iss.count("/") > 3 else ""})


def audience_of(scope_or_resource):
    return scope_or_resource[: -len("/.default")] if scope_or_resource.endswith("/.default") \
        else scope_or_resource


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, error, description):
        self.answer(status, {"error": error, "error_description": description})

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/_requests":
            return self.answer(200, REQUESTS)
        REQUESTS.append({"method": "GET", "path": url.path, "query": query,
                         "headers": {k.lower(): v for k, v in self.headers.items()}})
        if url.path != "/msi/token":
            return self.error(404, "not_found", "no such endpoint")
        if self.headers.get("X-IDENTITY-HEADER") != CONFIG.get("identity_header"):
            return self.error(401, "invalid_request", "missing or wrong X-IDENTITY-HEADER")
        if query.get("api-version") != "2019-08-01" or "resource" not in query:
            return self.error(400, "invalid_request", "api-version and resource are required")
        aud = query["resource"]
        self.answer(200, {"access_token": token_for(OWN_ISSUER, OWN_SUBJECT, aud),
                          "expires_on": str(int(time.time()) + 3600), "resource": aud,
                          "token_type": "Bearer"})

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        length = int(self.headers.get("Content-Length", 0))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        REQUESTS.append({"method": "POST", "path": url.path, "form": form,
                         "headers": {k.lower(): v for k, v in self.headers.items()}})
        parts = url.path.strip("/").split("/")
        if len(parts) != 4 or parts[1:] != ["oauth2", "v2.0", "token"]:
            return self.error(404, "not_found", "no such endpoint")
        tenant, client = parts[0], form.get("client_id", "")
        if form.get("grant_type") != "client_credentials" or "scope" not in form:
            return self.error(400, "invalid_request", "AADSTS900144: grant_type and scope required")
        aud = audience_of(form["scope"])
        if "client_secret" in form:
            if CONFIG.get("secrets", {}).get(tenant + "/" + client) != form["client_secret"]:
                return self.error(401, "invalid_client",
                                  "AADSTS7000215: Invalid client secret provided.")
            return self.answer(200, {"access_token": token_for(OWN_ISSUER, OWN_SUBJECT, aud),
                                     "expires_in": 3599, "token_type": "Bearer"})
        assertion = claims_of(form.get("client_assertion", ""))
        if assertion is None or form.get("client_assertion_type") != \
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return self.error(400, "invalid_request", "AADSTS50027: invalid client assertion")
        for app in CONFIG.get("apps", []):
            if app["tenant"] == tenant and app["client_id"] == client:
                if assertion.get("aud") != EXCHANGE_AUDIENCE or \
                        assertion.get("iss") != app["issuer"] or \
                        assertion.get("sub") != app["subject"]:
                    return self.error(400, "invalid_client",
                                      "AADSTS70021: No matching federated identity record found "
                                      "for presented assertion.")
                return self.answer(200, {
                    "access_token": token_for("https://sts.windows.net/" + tenant + "/",
                                              "sp-" + client, aud),
                    "expires_in": 3599, "token_type": "Bearer"})
        self.error(400, "unauthorized_client",
                   "AADSTS700016: Application with identifier '" + client + "' was not found in "
                   "the directory '" + tenant + "'.")


def main():
    port = int(sys.argv[1])
    with open(sys.argv[2]) as f:
        CONFIG.update(json.load(f))
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
