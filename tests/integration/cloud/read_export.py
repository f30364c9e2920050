"""Reads what an export wrote to moto, with boto3 (not sluice): assumes the export role with
its ExternalId, lists the whole bucket (moto rejects a signed ListObjects whose prefix holds
'/'), and prints JSON {"files": {key: [row ids of that JSON Lines file]}, "manifests": [key]}.
Usage: read_export.py ENDPOINT BUCKET ROLE_ARN EXTERNAL_ID; the caller's access key comes from
the environment (READ_EXPORT_KEY_ID, READ_EXPORT_SECRET)."""
import json
import os
import sys

import boto3

endpoint, bucket, role_arn, external_id = sys.argv[1:5]
kw = dict(endpoint_url=endpoint, region_name="us-east-1")
sts = boto3.client("sts", aws_access_key_id=os.environ["READ_EXPORT_KEY_ID"],
                   aws_secret_access_key=os.environ["READ_EXPORT_SECRET"], **kw)
c = sts.assume_role(RoleArn=role_arn, RoleSessionName="reader",
                    ExternalId=external_id)["Credentials"]
s3 = boto3.client("s3", aws_access_key_id=c["AccessKeyId"],
                  aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"],
                  **kw)
out = {"files": {}, "manifests": []}
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
    for o in page.get("Contents", []):
        key = o["Key"]
        if "/_sluice/manifests/" in key:
            out["manifests"].append(key)
            continue
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        out["files"][key] = [json.loads(line)["id"] for line in body.splitlines() if line]
print(json.dumps(out))
