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
