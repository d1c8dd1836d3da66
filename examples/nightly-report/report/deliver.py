"""deliver-report: archives each daily report from the topic under daily/ in the archive
bucket (lifecycle: kept 400 days)."""

import json
import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        report = json.loads(record["Sns"]["Message"])
        s3.put_object(
            Bucket=os.environ["BUCKET"],
            Key=f"daily/{report['day']}.json",
            Body=json.dumps(report, indent=2).encode(),
            ContentType="application/json",
        )
