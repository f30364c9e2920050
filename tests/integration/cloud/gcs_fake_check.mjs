// Google's own Node client (@google-cloud/storage, with google-auth-library) against
// tests/testing/gcs_fake.mjs: if the fake answered differently from Cloud Storage, the OAuth
// token endpoint or the IAM Credentials API in a way the client notices, these fail. sluice's
// Cloud Storage tests trust the fake only as far as this file checks it.
//   node --test tests/integration/cloud/gcs_fake_check.mjs
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

import { Storage } from "@google-cloud/storage";
import { Impersonated, JWT } from "google-auth-library";

import { pointGoogleClientsAt, setSessionToken } from "./google_client_setup.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "gcs-fake-"));
const JUDGE = "judge@tests.iam.gserviceaccount.com";
const SERVER = "sluice-server@host.iam.gserviceaccount.com";
const EXPORTER = "export@customer.iam.gserviceaccount.com";
const RW = "https://www.googleapis.com/auth/devstorage.read_write";
let fake;
let base;
const keys = {};

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function keyFile(email) {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  keys[email] = publicKey.export({ type: "spki", format: "pem" });
  const path = join(dir, email.split("@")[0] + ".json");
  writeFileSync(
    path,
    JSON.stringify({
      type: "service_account",
      project_id: "tests",
      private_key_id: randomBytes(8).toString("hex"),
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
      client_email: email,
      client_id: "1",
      token_uri: `${base}/token`,
    }),
  );
  return path;
}

async function waitForPort(port) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      fetch(`http://127.0.0.1:${port}/_fake/requests`).then(() => resolve(true), () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the fake did not start");
}

let judgeKey;
let serverKey;

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  pointGoogleClientsAt(base);
  judgeKey = keyFile(JUDGE);
  serverKey = keyFile(SERVER);
  keyFile("stranger@other.iam.gserviceaccount.com");
  const config = {
    service_accounts: keys,
    token_creators: { [EXPORTER]: [SERVER] },
    buckets: { exports: [JUDGE, EXPORTER], private: [EXPORTER] },
    metadata_email: SERVER,
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  fake = spawn("node", [join(here, "../../testing/gcs_fake.mjs"), String(port), join(dir, "config.json")], {
    stdio: "inherit",
  });
  await waitForPort(port);
});

after(() => fake.kill());

function storage(opts) {
  return new Storage({ apiEndpoint: base, useAuthWithCustomEndpoint: true, projectId: "tests", retryOptions: { maxRetries: 0 }, ...opts });
}

const sha = (b) => createHash("sha256").update(b).digest("hex");

test("a small upload, download, metadata and delete", async () => {
  const file = storage({ keyFilename: judgeKey }).bucket("exports").file("a/2024-05-01/export 001.jsonl");
  const body = Buffer.from('{"id":"1"}\n');
  await file.save(body, { resumable: false });
  const [back] = await file.download();
  assert.equal(back.toString(), body.toString());
  const [meta] = await file.getMetadata();
  assert.equal(Number(meta.size), body.length);
  assert.equal(meta.md5Hash, createHash("md5").update(body).digest("base64"));
  await file.delete();
  const [exists] = await file.exists();
  assert.equal(exists, false);
});

test("a resumable upload in 256 KiB chunks, validated by the client's own MD5 check", async () => {
  const data = randomBytes(3 * 256 * 1024 + 1000);
  const s = storage({ keyFilename: judgeKey });
  setSessionToken(await s.authClient.getAccessToken());
  const file = s.bucket("exports").file("big/file.parquet");
  await file.save(data, { resumable: true, chunkSize: 256 * 1024, validation: "md5" });
  const [back] = await file.download();
  assert.equal(sha(back), sha(data));
  const log = await (await fetch(`${base}/_fake/requests`)).json();
  const chunks = log.filter((r) => r.method === "PUT" && r.query.upload_id);
  assert.ok(chunks.length >= 4, `expected chunked PUTs, saw ${chunks.length}`);
  assert.ok(chunks.every((r) => r.content_range), "every chunk carries Content-Range");
});

test("listing pages through a prefix", async () => {
  const bucket = storage({ keyFilename: judgeKey }).bucket("exports");
  for (const n of ["p/1", "p/2", "p/3", "q/1"]) await bucket.file(n).save(Buffer.from(n), { resumable: false });
  const [files] = await bucket.getFiles({ prefix: "p/", maxResults: 2, autoPaginate: true });
  assert.deepEqual(files.map((f) => f.name).slice(0, 2), ["p/1", "p/2"]);
  const [all] = await bucket.getFiles({ prefix: "p/" });
  assert.deepEqual(all.map((f) => f.name), ["p/1", "p/2", "p/3"]);
});

test("a bucket the caller may not use answers 403, a missing one 404", async () => {
  const s = storage({ keyFilename: judgeKey });
  await assert.rejects(s.bucket("private").file("x").save(Buffer.from("x"), { resumable: false }), (e) => e.code === 403);
  await assert.rejects(s.bucket("nope").file("x").save(Buffer.from("x"), { resumable: false }), (e) => e.code === 404);
});

test("a key the token endpoint does not know is refused", async () => {
  const stranger = join(dir, "stranger.json");
  const s = storage({ keyFilename: stranger });
  // Replace the registered public key's owner: sign with a key the fake never saw.
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  writeFileSync(stranger, JSON.stringify({ type: "service_account", client_email: JUDGE, private_key: privateKey.export({ type: "pkcs8", format: "pem" }), token_uri: `${base}/token` }));
  await assert.rejects(s.bucket("exports").file("x").save(Buffer.from("x"), { resumable: false }), /invalid_grant|Invalid JWT Signature/);
});

test("impersonation through generateAccessToken, as google-auth-library sends it", async () => {
  const source = new JWT({ keyFile: serverKey, scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
  const impersonated = new Impersonated({ sourceClient: source, targetPrincipal: EXPORTER, targetScopes: [RW], lifetime: 3600, endpoint: base });
  const file = storage({ authClient: impersonated }).bucket("private").file("by-impersonation.txt");
  await file.save(Buffer.from("hello"), { resumable: false });
  const [back] = await file.download();
  assert.equal(back.toString(), "hello");
  // The server's own identity may not write there itself.
  const own = storage({ keyFilename: serverKey });
  await assert.rejects(own.bucket("private").file("x").save(Buffer.from("x"), { resumable: false }), (e) => e.code === 403);
  // Nor impersonate an account that does not grant it the Token Creator role.
  const other = new Impersonated({ sourceClient: source, targetPrincipal: JUDGE, targetScopes: [RW], lifetime: 3600, endpoint: base });
  await assert.rejects(other.getAccessToken(), /getAccessToken|PERMISSION_DENIED|403/);
});
