# The independent client of the s3 tests: boto3, driven by one JSON command on stdin, answering JSON.
import base64, hashlib, json, sys
import boto3
from botocore.config import Config

cmd = json.loads(sys.stdin.read())
kw = dict(endpoint_url=cmd["endpoint"], region_name="us-east-1",
          aws_access_key_id=cmd.get("id", "x"), aws_secret_access_key=cmd.get("secret", "y"),
          config=Config(s3={"addressing_style": "path"}))
op = cmd["op"]
if op == "setup":
    iam = boto3.client("iam", **{k: v for k, v in kw.items() if k != "config"})
    iam.create_user(UserName="publisher")
    iam.put_user_policy(UserName="publisher", PolicyName="all", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="publisher")["AccessKey"]
    s3 = boto3.client("s3", **kw)
    for bucket in cmd["buckets"]:
        s3.create_bucket(Bucket=bucket)
    print(json.dumps({"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}))
    sys.exit(0)
s3 = boto3.client("s3", **kw)
if op == "list":
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=cmd["bucket"], Prefix=cmd.get("prefix", ""))
    print(json.dumps(sorted(o["Key"] for p in pages for o in p.get("Contents", []))))
elif op == "sha256":
    out = {}
    for key in cmd["keys"]:
        out[key] = hashlib.sha256(s3.get_object(Bucket=cmd["bucket"], Key=key)["Body"].read()).hexdigest()
    print(json.dumps(out))
elif op == "put":
    for key, b64 in cmd["objects"].items():
        s3.put_object(Bucket=cmd["bucket"], Key=key, Body=base64.b64decode(b64), **({"ACL": cmd["acl"]} if cmd.get("acl") else {}))
    print("{}")
else:
    raise SystemExit("unknown op " + op)
