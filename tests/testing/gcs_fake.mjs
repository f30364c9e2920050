// A loopback fake of the Google endpoints sluice's Cloud Storage exports call, written from
// Google's public documentation (no emulator of these is packaged here). Its behaviour is
// checked by Google's own Node client, @google-cloud/storage (tests/integration/cloud/
// gcs_fake_check.mjs), before sluice is tested against it.
//
//   OAuth 2.0 token endpoint   POST /token: the jwt-bearer grant; the JWT's RS256 signature is
//                              verified with the service account's public key.
//   IAM Credentials API        POST /v1/projects/-/serviceAccounts/<email>:generateAccessToken
//                              for callers holding the Token Creator role on <email>.
//   Metadata server            GET /computeMetadata/v1/instance/service-accounts/default/
//                              {token,email} with "Metadata-Flavor: Google".
//   Cloud Storage JSON API     objects.insert (uploadType media, multipart, resumable with
//                              Content-Range chunks of 256 KiB multiples, status queries,
//                              cancel), objects.get (metadata or alt=media), objects.delete,
//                              objects.list; bucket permissions per principal.
//   Test hooks                 POST /_fake/fault {"reset_chunk": n}: the n-th chunk keeps its
//                              first half (whole 256 KiB units) and the connection is reset.
//                              GET /_fake/requests: what was asked, without secrets.
//
// usage: node gcs_fake.mjs <port> <config.json>
// config: {"service_accounts": {"<email>": "<PEM public key>"},
//          "token_creators": {"<target email>": ["<caller email>", ...]},
//          "buckets": {"<bucket>": ["<email allowed to read and write>", ...]},
//          "metadata_email": "<email the metadata server's tokens belong to>"}
import { createHash, createVerify, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

const port = Number(process.argv[2]);
const config = JSON.parse(readFileSync(process.argv[3], "utf8"));
const base = `http://127.0.0.1:${port}`;
const QUANTUM = 256 * 1024;
const STORAGE_SCOPES = [
  "https://www.googleapis.com/auth/devstorage.read_write",
  "https://www.googleapis.com/auth/devstorage.full_control",
  "https://www.googleapis.com/auth/cloud-platform",
];

const tokens = new Map(); // access token -> {principal, scopes, expires}
const objects = new Map(); // "bucket/name" -> {data, generation, updated}
const sessions = new Map(); // upload id -> {bucket, name, chunks, size}
const requests = [];
const faults = { reset_chunk: 0, chunks_seen: 0 };

function b64urlDecode(s) {
  return Buffer.from(s.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

function issue(principal, scopes) {
  const token = "ya29.fake-" + randomBytes(16).toString("hex");
  const expires = Date.now() + 3600_000;
  tokens.set(token, { principal, scopes, expires });
  return { token, expires };
}

function send(res, status, body, headers = {}) {
  const data = typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": typeof body === "object" && !Buffer.isBuffer(body) ? "application/json" : "application/octet-stream",
    "Content-Length": Buffer.byteLength(data),
    ...headers,
  });
  res.end(data);
}

// Google's JSON error document.
function googleError(res, status, reason, message, statusName) {
  send(res, status, {
    error: { code: status, message, errors: [{ message, domain: "global", reason }], status: statusName },
  });
}

function oauthError(res, status, error, description) {
  send(res, status, { error, error_description: description });
}

function bearer(req) {
  const h = req.headers.authorization || "";
  if (!h.startsWith("Bearer ")) return null;
  const t = tokens.get(h.slice(7));
  if (!t || t.expires < Date.now()) return null;
  return t;
}

// CRC32C (Castagnoli), as Cloud Storage reports it: base64 of the big-endian value.
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32c(data) {
  let c = 0xffffffff;
  for (const byte of data) c = CRC32C_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return out.toString("base64");
}

function objectResource(bucket, name, o) {
  return {
    kind: "storage#object",
    id: `${bucket}/${name}/${o.generation}`,
    name,
    bucket,
    generation: String(o.generation),
    metageneration: "1",
    contentType: "application/octet-stream",
    size: String(o.data.length),
    md5Hash: createHash("md5").update(o.data).digest("base64"),
    crc32c: crc32c(o.data),
    etag: Buffer.from(String(o.generation)).toString("base64"),
    timeCreated: o.updated,
    updated: o.updated,
    selfLink: `${base}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`,
    mediaLink: `${base}/download/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}?alt=media`,
  };
}

function store(bucket, name, data) {
  const o = { data, generation: Date.now() * 1000 + (objects.size % 1000), updated: new Date().toISOString() };
  objects.set(`${bucket}/${name}`, o);
  return objectResource(bucket, name, o);
}

// The caller's right to use `bucket`; answers the error itself and returns false otherwise.
function authorize(req, res, bucket, permission) {
  const t = bearer(req);
  if (!t) {
    googleError(res, 401, "authError", "Invalid Credentials", "UNAUTHENTICATED");
    return false;
  }
  if (!t.scopes.some((s) => STORAGE_SCOPES.includes(s))) {
    googleError(res, 403, "insufficientPermissions", "Insufficient Permission", "PERMISSION_DENIED");
    return false;
  }
  if (!(bucket in config.buckets)) {
    googleError(res, 404, "notFound", "The specified bucket does not exist.", "NOT_FOUND");
    return false;
  }
  if (!config.buckets[bucket].includes(t.principal)) {
    googleError(
      res,
      403,
      "forbidden",
      `${t.principal} does not have ${permission} access to the Google Cloud Storage object. ` +
        `Permission '${permission}' denied on resource (or it may not exist).`,
      "PERMISSION_DENIED",
    );
    return false;
  }
  return true;
}

function tokenEndpoint(res, form) {
  if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") {
    return oauthError(res, 400, "unsupported_grant_type", "Invalid grant_type: " + form.get("grant_type"));
  }
  const parts = (form.get("assertion") || "").split(".");
  if (parts.length !== 3) return oauthError(res, 400, "invalid_grant", "Invalid JWT.");
  const header = JSON.parse(b64urlDecode(parts[0]));
  const claims = JSON.parse(b64urlDecode(parts[1]));
  const key = config.service_accounts[claims.iss];
  if (header.alg !== "RS256" || !key) return oauthError(res, 400, "invalid_grant", "Invalid JWT Signature.");
  const ok = createVerify("RSA-SHA256").update(parts[0] + "." + parts[1]).verify(key, b64urlDecode(parts[2]));
  if (!ok) return oauthError(res, 400, "invalid_grant", "Invalid JWT Signature.");
  const now = Math.floor(Date.now() / 1000);
  // The audience is the token URI the key file names, or the fixed one older clients use.
  if (claims.aud !== `${base}/token` && claims.aud !== "https://www.googleapis.com/oauth2/v4/token") {
    return oauthError(res, 400, "invalid_grant", "Invalid JWT: audience.");
  }
  if (!(claims.iat <= now + 60 && claims.exp > now && claims.exp - claims.iat <= 3600)) {
    return oauthError(res, 400, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.");
  }
  const scopes = String(claims.scope || "").split(" ").filter(Boolean);
  if (scopes.length === 0) return oauthError(res, 400, "invalid_scope", "Empty or missing scope not allowed.");
  const { token } = issue(claims.iss, scopes);
  send(res, 200, { access_token: token, expires_in: 3599, token_type: "Bearer" });
}

function generateAccessToken(req, res, email, body) {
  const t = bearer(req);
  if (!t) return googleError(res, 401, "authError", "Request had invalid authentication credentials.", "UNAUTHENTICATED");
  if (!t.scopes.includes("https://www.googleapis.com/auth/cloud-platform") &&
      !t.scopes.includes("https://www.googleapis.com/auth/iam")) {
    return googleError(res, 403, "forbidden", "Request had insufficient authentication scopes.", "PERMISSION_DENIED");
  }
  if (!(config.token_creators[email] || []).includes(t.principal)) {
    return googleError(res, 403, "forbidden", "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).", "PERMISSION_DENIED");
  }
  let doc;
  try {
    doc = JSON.parse(body.toString() || "{}");
  } catch {
    return googleError(res, 400, "badRequest", "Invalid JSON payload received.", "INVALID_ARGUMENT");
  }
  if (!Array.isArray(doc.scope) || doc.scope.length === 0) {
    return googleError(res, 400, "badRequest", "Scope is required.", "INVALID_ARGUMENT");
  }
  if (doc.lifetime !== undefined && !/^\d+(\.\d+)?s$/.test(doc.lifetime)) {
    return googleError(res, 400, "badRequest", "Invalid value at 'lifetime'.", "INVALID_ARGUMENT");
  }
  const { token, expires } = issue(email, doc.scope);
  send(res, 200, { accessToken: token, expireTime: new Date(expires).toISOString().replace(/\.\d+Z$/, "Z") });
}

// multipart/related: a JSON metadata part, then the media.
function parseMultipart(req, body) {
  const m = /boundary="?([^";]+)"?/.exec(req.headers["content-type"] || "");
  if (!m) return null;
  const text = body.toString("latin1");
  const parts = text.split("--" + m[1]).slice(1, -1);
  if (parts.length !== 2) return null;
  const part = (p) => {
    const split = p.indexOf("\r\n\r\n");
    return Buffer.from(p.slice(split + 4, p.length - 2), "latin1");
  };
  return { metadata: JSON.parse(part(parts[0]).toString()), data: part(parts[1]) };
}

function upload(req, res, url, bucket, body) {
  if (!authorize(req, res, bucket, "storage.objects.create")) return;
  const type = url.searchParams.get("uploadType");
  if (type === "media") {
    const name = url.searchParams.get("name");
    if (!name) return googleError(res, 400, "required", "Required parameter: name", "INVALID_ARGUMENT");
    return send(res, 200, store(bucket, name, body));
  }
  if (type === "multipart") {
    const parsed = parseMultipart(req, body);
    const name = parsed && (parsed.metadata.name || url.searchParams.get("name"));
    if (!name) return googleError(res, 400, "invalid", "Invalid multipart request", "INVALID_ARGUMENT");
    return send(res, 200, store(bucket, name, parsed.data));
  }
  if (type === "resumable") {
    let name = url.searchParams.get("name");
    if (!name && body.length) name = JSON.parse(body.toString()).name;
    if (!name) return googleError(res, 400, "required", "Required parameter: name", "INVALID_ARGUMENT");
    const id = randomBytes(12).toString("hex");
    sessions.set(id, { bucket, name, chunks: [], size: 0, done: null });
    const location = `${base}/upload/storage/v1/b/${bucket}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
    return send(res, 200, "", { Location: location, "X-GUploader-UploadID": id });
  }
  googleError(res, 400, "invalid", "Invalid upload type", "INVALID_ARGUMENT");
}

function rangeHeader(size) {
  return size > 0 ? { Range: `bytes=0-${size - 1}` } : {};
}

// PUT to a session URI: a chunk, or a status query. No bearer token needed.
function sessionPut(req, res, id, body) {
  const s = sessions.get(id);
  if (!s) return googleError(res, 404, "notFound", "No such upload session.", "NOT_FOUND");
  if (s.cancelled) return googleError(res, 499, "clientClosedRequest", "Upload cancelled.", "CANCELLED");
  const m = /^bytes (\*|(\d+)-(\d+))\/(\*|\d+)$/.exec(req.headers["content-range"] || "");
  if (!m) return googleError(res, 400, "invalid", "Missing or invalid Content-Range header.", "INVALID_ARGUMENT");
  const total = m[4] === "*" ? null : Number(m[4]);
  if (s.done) return send(res, 200, s.done);
  if (m[1] === "*") {
    if (body.length !== 0) return googleError(res, 400, "invalid", "Content-Range without a range must have no body.", "INVALID_ARGUMENT");
    if (total !== null && total === s.size) return finish(res, s);
    return send(res, 308, "", rangeHeader(s.size));
  }
  const first = Number(m[2]);
  const last = Number(m[3]);
  if (last - first + 1 !== body.length) return googleError(res, 400, "invalid", "Content-Range does not match the body length.", "INVALID_ARGUMENT");
  if (first !== s.size) {
    return googleError(res, 400, "invalid", `Invalid request. The session holds ${s.size} bytes; this chunk starts at ${first}.`, "INVALID_ARGUMENT");
  }
  faults.chunks_seen += 1;
  if (faults.reset_chunk && faults.chunks_seen === faults.reset_chunk) {
    const kept = Math.floor(body.length / 2 / QUANTUM) * QUANTUM;
    s.chunks.push(body.subarray(0, kept));
    s.size += kept;
    req.socket.destroy();
    return;
  }
  const final = total !== null && last + 1 === total;
  // A chunk that is not the last is kept in whole 256 KiB units only, as Cloud Storage does.
  const kept = final ? body.length : Math.floor(body.length / QUANTUM) * QUANTUM;
  s.chunks.push(body.subarray(0, kept));
  s.size += kept;
  if (final) return finish(res, s);
  send(res, 308, "", rangeHeader(s.size));
}

function finish(res, s) {
  s.done = store(s.bucket, s.name, Buffer.concat(s.chunks));
  s.chunks = [];
  send(res, 200, s.done);
}

function objectCall(req, res, url, bucket, name) {
  const permission = req.method === "DELETE" ? "storage.objects.delete" : "storage.objects.get";
  if (!authorize(req, res, bucket, permission)) return;
  const o = objects.get(`${bucket}/${name}`);
  if (!o) return googleError(res, 404, "notFound", `No such object: ${bucket}/${name}`, "NOT_FOUND");
  if (req.method === "DELETE") {
    objects.delete(`${bucket}/${name}`);
    res.writeHead(204);
    return res.end();
  }
  if (url.searchParams.get("alt") === "media") return send(res, 200, o.data);
  send(res, 200, objectResource(bucket, name, o));
}

function list(req, res, url, bucket) {
  if (!authorize(req, res, bucket, "storage.objects.list")) return;
  const prefix = url.searchParams.get("prefix") || "";
  const max = Number(url.searchParams.get("maxResults") || 1000);
  const after = url.searchParams.get("pageToken") || "";
  const names = [...objects.keys()]
    .filter((k) => k.startsWith(bucket + "/"))
    .map((k) => k.slice(bucket.length + 1))
    .filter((n) => n.startsWith(prefix) && n > after)
    .sort();
  const page = names.slice(0, max);
  const doc = { kind: "storage#objects", items: page.map((n) => objectResource(bucket, n, objects.get(`${bucket}/${n}`))) };
  if (names.length > max) doc.nextPageToken = page[page.length - 1];
  send(res, 200, doc);
}

function metadata(req, res, what) {
  if (req.headers["metadata-flavor"] !== "Google") return send(res, 403, "Missing Metadata-Flavor header");
  if (!config.metadata_email) return send(res, 404, "no service account");
  if (what === "email") return send(res, 200, config.metadata_email);
  const { token } = issue(config.metadata_email, ["https://www.googleapis.com/auth/cloud-platform"]);
  send(res, 200, { access_token: token, expires_in: 3599, token_type: "Bearer" });
}

function route(req, res, body) {
  const url = new URL(req.url, base);
  const path = url.pathname;
  requests.push({
    method: req.method,
    path,
    query: Object.fromEntries(url.searchParams),
    content_range: req.headers["content-range"] || null,
    authorization: req.headers.authorization ? req.headers.authorization.split(" ")[0] : null,
    body_bytes: body.length,
  });
  let m;
  if (req.method === "POST" && path === "/token") return tokenEndpoint(res, new URLSearchParams(body.toString()));
  if (req.method === "POST" && (m = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/.exec(path))) {
    return generateAccessToken(req, res, decodeURIComponent(m[1]), body);
  }
  if (req.method === "GET" && (m = /^\/computeMetadata\/v1\/instance\/service-accounts\/default\/(token|email)$/.exec(path))) {
    return metadata(req, res, m[1]);
  }
  if ((m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path))) {
    const id = url.searchParams.get("upload_id");
    if (id && req.method === "PUT") return sessionPut(req, res, id, body);
    if (id && req.method === "DELETE") {
      const s = sessions.get(id);
      if (s) s.cancelled = true;
      return googleError(res, 499, "clientClosedRequest", "Upload cancelled.", "CANCELLED");
    }
    if (req.method === "POST") return upload(req, res, url, decodeURIComponent(m[1]), body);
  }
  if (req.method === "GET" && (m = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(path))) return list(req, res, url, decodeURIComponent(m[1]));
  if ((m = /^\/(?:storage|download\/storage)\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path))) {
    return objectCall(req, res, url, decodeURIComponent(m[1]), decodeURIComponent(m[2]));
  }
  if (req.method === "POST" && path === "/_fake/fault") {
    Object.assign(faults, JSON.parse(body.toString()), { chunks_seen: 0 });
    return send(res, 200, {});
  }
  if (req.method === "GET" && path === "/_fake/requests") return send(res, 200, requests);
  googleError(res, 404, "notFound", `Not Found: ${req.method} ${path}`, "NOT_FOUND");
}

createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => route(req, res, Buffer.concat(chunks)));
}).listen(port, "127.0.0.1");
