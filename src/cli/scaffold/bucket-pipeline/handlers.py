"""The scaffold's pipeline: each object created under `incoming/` in the inbox is processed
(here: upper-cased) into the outbox under the same name, with the boto3 that the Lambda
Python runtime provides."""

import os
import urllib.parse

import boto3

s3 = boto3.client("s3")


def transform(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        name = key.removeprefix("incoming/")
        s3.put_object(Bucket=os.environ["OUTBOX"], Key=name, Body=text.upper().encode())
