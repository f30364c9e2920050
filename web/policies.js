// The IAM documents an export's role needs, generated for one automation: the trust policy
// (who may assume the role, and only with this automation's ExternalId) and the S3 policy
// (what the role may do under the export path).

export const PRINCIPAL_PLACEHOLDER = '<ARN of the AWS identity sluice runs as>';

// `s3://bucket/some/prefix` -> {bucket, prefix}; null when not an s3:// path.
export function parseS3Path(path) {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec((path || '').trim());
  if (!m) return null;
  return { bucket: m[1], prefix: m[2].replace(/\/+$/, '') };
}

// The identity named by a failed "assume role" step ("… must allow sts:AssumeRole for <arn> …").
export function principalFromSteps(steps) {
  for (const s of steps || []) {
    const m = /sts:AssumeRole for (arn:[^\s]+)/.exec(s.message || '');
    if (m) return m[1];
  }
  return '';
}

export function trustPolicy(principalArn, externalId) {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Principal: { AWS: principalArn || PRINCIPAL_PLACEHOLDER },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': externalId } },
    }],
  }, null, 2);
}

export function s3Policy(exportPath) {
  const p = parseS3Path(exportPath) || { bucket: '<bucket>', prefix: '<prefix>' };
  const objects = `arn:aws:s3:::${p.bucket}${p.prefix ? '/' + p.prefix : ''}/*`;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      Resource: objects,
    }],
  }, null, 2);
}

// ---- destinations other than S3 ----

// The destination an export path names: 's3', 'azure' (az://account/container/prefix or
// https://<account>.blob.core.windows.net/container/prefix), 'gcs', 'file', or '' for none yet.
export function destinationOf(path) {
  const p = (path || '').trim();
  if (/^s3:\/\//i.test(p)) return 's3';
  if (/^az:\/\//i.test(p) || /^https:\/\/[^/]+\.blob\.core\.windows\.net(\/|$)/i.test(p)) return 'azure';
  if (/^gs:\/\//i.test(p)) return 'gcs';
  if (/^file:\/\//i.test(p)) return 'file';
  return '';
}

// What each destination is called in the list and the editor.
export const DESTINATION_NAMES = {
  s3: 'S3 export', azure: 'Azure Blob export', gcs: 'Cloud Storage export', file: 'Local export',
};

// `az://account/container/prefix` (either form) -> {account, container, prefix}.
export function parseAzurePath(path) {
  const p = (path || '').trim();
  let m = /^az:\/\/([^/]+)\/([^/]+)\/?(.*)$/i.exec(p);
  if (!m) m = /^https:\/\/([^./]+)\.blob\.core\.windows\.net\/([^/]+)\/?(.*)$/i.exec(p);
  if (!m) return null;
  return { account: m[1], container: m[2], prefix: m[3].replace(/\/+$/, '') };
}

// `gs://bucket/prefix` -> {bucket, prefix}.
export function parseGcsPath(path) {
  const m = /^gs:\/\/([^/]+)\/?(.*)$/i.exec((path || '').trim());
  return m ? { bucket: m[1], prefix: m[2].replace(/\/+$/, '') } : null;
}

// sluice's own Entra identity as the test reports it ("… (issuer <iss>, subject <sub>)").
export function azureSubjectFromSteps(steps) {
  for (const s of steps || []) {
    const m = /\(issuer (\S+), subject ([^)\s]+)\)/.exec(s.message || '');
    if (m) return { issuer: m[1], subject: m[2] };
  }
  return null;
}

// sluice's own Google principal as the test reports it ("… (serviceAccount:<email>)").
export function googlePrincipalFromSteps(steps) {
  for (const s of steps || []) {
    const m = /\(((?:serviceAccount|user|principal|principalSet):[^)\s]+)\)/.exec(s.message || '');
    if (m) return m[1];
  }
  return '';
}

// The federated identity credential the app registration needs, so that sluice's own identity
// may get its tokens (Microsoft Entra admin center: App registrations > Certificates & secrets >
// Federated credentials, or `az ad app federated-credential create --parameters <this>`).
export function federatedCredential(subject) {
  return JSON.stringify({
    name: 'sluice-export',
    issuer: subject ? subject.issuer : '<issuer of sluice’s identity: run Test automation>',
    subject: subject ? subject.subject : '<subject of sluice’s identity: run Test automation>',
    audiences: ['api://AzureADTokenExchange'],
  }, null, 2);
}

// The role assignment that lets the app registration write blobs in the container.
export function azureRoleAssignment(path, clientId) {
  const p = parseAzurePath(path) || { account: '<account>', container: '<container>' };
  return [
    'az role assignment create --role "Storage Blob Data Contributor"',
    `  --assignee ${clientId || '<client id>'}`,
    `  --scope "$(az storage account show --name ${p.account} --query id -o tsv)` +
      `/blobServices/default/containers/${p.container}"`,
  ].join(' \\\n');
}

// The two grants of a Cloud Storage export: sluice may mint tokens of the service account, and
// the service account may write objects in the bucket.
export function gcsTokenCreatorGrant(serviceAccount, principal) {
  return [
    'gcloud iam service-accounts add-iam-policy-binding',
    `  ${serviceAccount || '<service account email>'}`,
    `  --member="${principal || '<sluice’s principal: run Test automation>'}"`,
    '  --role="roles/iam.serviceAccountTokenCreator"',
  ].join(' \\\n');
}

export function gcsBucketGrant(path, serviceAccount) {
  const p = parseGcsPath(path) || { bucket: '<bucket>' };
  return [
    `gcloud storage buckets add-iam-policy-binding gs://${p.bucket}`,
    `  --member="serviceAccount:${serviceAccount || '<service account email>'}"`,
    '  --role="roles/storage.objectUser"',
  ].join(' \\\n');
}
