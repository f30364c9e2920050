// Microsoft's @azure/storage-blob client as the judge of what sluice wrote to Azurite, and the
// setup sluice does not do itself (containers, SAS tokens). The account is Azurite's public
// development account; the endpoint comes from SLUICE_AZURE_BLOB_ENDPOINT.
//   node azure_blob.mjs create-container <container>
//   node azure_blob.mjs sas <container> <permissions>      -> a container SAS (query string)
//   node azure_blob.mjs stat <container> <blob>            -> {"size","sha256","blocks"}
//   node azure_blob.mjs stage-block <container> <blob> <base64 id> <text>  (uncommitted)
//   node azure_blob.mjs list <container> <prefix>          -> ["name", ...]
//   node azure_blob.mjs download <container> <dir> <blob>...  -> writes <dir>/<blob with / as __>
import { createHash } from "node:crypto";
import {
  BlobServiceClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
} from "@azure/storage-blob";

const account = "devstoreaccount1";
const key =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const credential = new StorageSharedKeyCredential(account, key);
const service = new BlobServiceClient(process.env.SLUICE_AZURE_BLOB_ENDPOINT, credential);
const [command, container, ...rest] = process.argv.slice(2);
const containerClient = service.getContainerClient(container);

if (command === "create-container") {
  await containerClient.createIfNotExists();
} else if (command === "sas") {
  const sas = generateBlobSASQueryParameters(
    {
      containerName: container,
      permissions: ContainerSASPermissions.parse(rest[0]),
      startsOn: new Date(Date.now() - 60_000),
      expiresOn: new Date(Date.now() + 3600_000),
    },
    credential,
  );
  process.stdout.write(sas.toString());
} else if (command === "stat") {
  const blob = containerClient.getBlockBlobClient(rest[0]);
  const bytes = await blob.downloadToBuffer();
  const blocks = await blob.getBlockList("committed");
  process.stdout.write(
    JSON.stringify({
      size: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      blocks: blocks.committedBlocks.length,
    }),
  );
} else if (command === "stage-block") {
  const [name, id, text] = rest;
  await containerClient.getBlockBlobClient(name).stageBlock(id, Buffer.from(text), text.length);
} else if (command === "list") {
  const names = [];
  for await (const b of containerClient.listBlobsFlat({ prefix: rest[0] })) names.push(b.name);
  process.stdout.write(JSON.stringify(names));
} else if (command === "download") {
  const [dir, ...names] = rest;
  const { writeFile } = await import("node:fs/promises");
  for (const name of names) {
    const bytes = await containerClient.getBlockBlobClient(name).downloadToBuffer();
    await writeFile(`${dir}/${name.replaceAll("/", "__")}`, bytes);
  }
} else {
  console.error(`unknown command ${command}`);
  process.exit(2);
}
