// Google's @google-cloud/storage client as the judge of what sluice wrote to the Cloud Storage
// fake (tests/testing/gcs_fake.mjs), with the judge's own service account key.
//   SLUICE_GCS_ENDPOINT=http://127.0.0.1:<port> SLUICE_GCS_KEY=<key.json>
//   node gcs_tool.mjs stat <bucket> <name>   -> {"size","sha256","md5Hash"}
//   node gcs_tool.mjs list <bucket> <prefix> -> ["name", ...]
//   node gcs_tool.mjs download <bucket> <dir> <name>...  -> writes <dir>/<name with / as __>
import { createHash } from "node:crypto";

import { Storage } from "@google-cloud/storage";

import { pointGoogleClientsAt } from "./google_client_setup.mjs";

const base = process.env.SLUICE_GCS_ENDPOINT;
pointGoogleClientsAt(base);
const storage = new Storage({
  apiEndpoint: base,
  useAuthWithCustomEndpoint: true,
  projectId: "tests",
  keyFilename: process.env.SLUICE_GCS_KEY,
});
const [command, bucket, arg, ...more] = process.argv.slice(2);
if (command === "stat") {
  const file = storage.bucket(bucket).file(arg);
  const [bytes] = await file.download();
  const [meta] = await file.getMetadata();
  process.stdout.write(
    JSON.stringify({
      size: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      md5Hash: meta.md5Hash,
    }),
  );
} else if (command === "list") {
  const [files] = await storage.bucket(bucket).getFiles({ prefix: arg });
  process.stdout.write(JSON.stringify(files.map((f) => f.name)));
} else if (command === "download") {
  const { writeFile } = await import("node:fs/promises");
  for (const name of more) {
    const [bytes] = await storage.bucket(bucket).file(name).download();
    await writeFile(`${arg}/${name.replaceAll("/", "__")}`, bytes);
  }
} else {
  console.error(`unknown command ${command}`);
  process.exit(2);
}
