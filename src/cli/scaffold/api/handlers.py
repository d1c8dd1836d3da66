"""The scaffold's two routes over table `items` (env TABLE), with the boto3 that the Lambda
Python runtime provides."""

import json
import os

import boto3

dynamodb = boto3.client("dynamodb")


def list(event, context):
    """GET /items: up to 50 items."""
    items = dynamodb.scan(TableName=os.environ["TABLE"], Limit=50)["Items"]
    return {"statusCode": 200, "body": json.dumps(items)}


def put(event, context):
    """PUT /items/{id}: stores the request body under the id."""
    item = {"id": {"S": event["pathParameters"]["id"]}, "body": {"S": event.get("body") or ""}}
    dynamodb.put_item(TableName=os.environ["TABLE"], Item=item)
    return {"statusCode": 204}
