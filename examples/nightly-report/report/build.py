"""build-report: sums yesterday's orders per currency and publishes the report on the
`reports` topic, marked `kind: daily` (the attribute deliver-report's subscription filters on)."""

import datetime
import json
import os
from decimal import Decimal

import boto3

dynamodb = boto3.client("dynamodb")
sns = boto3.client("sns")


def handler(event, context):
    day = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    totals = {}
    pages = dynamodb.get_paginator("query").paginate(
        TableName=os.environ["ORDERS"],
        IndexName="by-day",
        KeyConditionExpression="order_date = :day",
        ExpressionAttributeValues={":day": {"S": day}},
    )
    for page in pages:
        for item in page["Items"]:
            currency = item.get("currency", {}).get("S", "EUR")
            totals[currency] = totals.get(currency, Decimal(0)) + Decimal(item["amount"]["N"])
    report = {"day": day, "totals": {c: str(t) for c, t in sorted(totals.items())}}
    sns.publish(
        TopicArn=os.environ["TOPIC_ARN"],
        Subject=f"Sales report {day}",
        Message=json.dumps(report),
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "daily"}},
    )
    return report
