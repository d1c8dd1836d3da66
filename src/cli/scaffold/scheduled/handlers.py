"""The scaffold's hourly job: counts today's rows in table `events` (partition key `day`,
YYYY-MM-DD) and publishes the count, with the boto3 that the Lambda Python runtime
provides."""

import datetime
import json
import os

import boto3

dynamodb = boto3.client("dynamodb")
sns = boto3.client("sns")


def summarize(event, context):
    day = datetime.date.today().isoformat()
    query = {
        "TableName": os.environ["TABLE"],
        "KeyConditionExpression": "#day = :day",
        "ExpressionAttributeNames": {"#day": "day"},
        "ExpressionAttributeValues": {":day": {"S": day}},
        "Select": "COUNT",
    }
    count = 0
    while True:
        page = dynamodb.query(**query)
        count += page["Count"]
        if "LastEvaluatedKey" not in page:
            break
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    sns.publish(TopicArn=os.environ["TOPIC_ARN"], Message=json.dumps({"day": day, "count": count}))
