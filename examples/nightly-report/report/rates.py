"""sync-rates: fetches the latest FX rates with the API key from SSM and stores one row per
currency in the fx-rates table."""

import json
import os
import time
import urllib.request

import boto3

ssm = boto3.client("ssm")
dynamodb = boto3.client("dynamodb")


def handler(event, context):
    key = ssm.get_parameter(Name=os.environ["API_KEY_PARAM"], WithDecryption=True)
    request = urllib.request.Request(
        os.environ["RATES_URL"], headers={"X-Api-Key": key["Parameter"]["Value"]}
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        rates = json.load(response)["rates"]
    now = str(int(time.time()))
    for currency, rate in sorted(rates.items()):
        dynamodb.put_item(
            TableName=os.environ["RATES_TABLE"],
            Item={"currency": {"S": currency}, "rate": {"N": str(rate)}, "updated_at": {"N": now}},
        )
    return {"currencies": len(rates)}
