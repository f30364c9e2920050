"""Prepares a moto server started with INITIAL_NO_AUTH_ACTION_COUNT for the cloud integration
tests: an IAM user with an access key allowed to call sts:AssumeRole, a role trusting exactly
that user under an ExternalId condition, a role policy limited to one prefix of one bucket, and
the bucket. Prints the identifiers as JSON. Usage: moto_setup.py ENDPOINT BUCKET EXTERNAL_ID"""
import json
import sys

import boto3

endpoint, bucket, external_id = sys.argv[1], sys.argv[2], sys.argv[3]
kw = dict(endpoint_url=endpoint, region_name="us-east-1",
          aws_access_key_id="setup", aws_secret_access_key="setup")
iam = boto3.client("iam", **kw)
s3 = boto3.client("s3", **kw)

user = iam.create_user(UserName="exporter")["User"]
key = iam.create_access_key(UserName="exporter")["AccessKey"]
iam.put_user_policy(UserName="exporter", PolicyName="assume", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
        # Lets the probe test reach S3's NoSuchBucket answer instead of AccessDenied.
        {"Effect": "Allow", "Action": "s3:*",
         "Resource": ["arn:aws:s3:::no-such-bucket-here", "arn:aws:s3:::no-such-bucket-here/*"]},
    ]}))
trust = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": user["Arn"]},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
    }],
}
role = iam.create_role(RoleName="sluice-export", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
iam.put_role_policy(RoleName="sluice-export", PolicyName="export", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject",
                                       "s3:AbortMultipartUpload"],
         "Resource": f"arn:aws:s3:::{bucket}/allowed/*"},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"},
    ]}))
s3.create_bucket(Bucket=bucket)
print(json.dumps({"user_arn": user["Arn"], "access_key_id": key["AccessKeyId"],
                  "secret_access_key": key["SecretAccessKey"], "role_arn": role["Arn"]}))
