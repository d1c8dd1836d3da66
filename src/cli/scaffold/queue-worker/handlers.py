"""The scaffold's job queue: `submit` queues the request body, `work` records each job in
table `results`, with the boto3 that the Lambda Python runtime provides."""

import json
import os
import time

import boto3

sqs = boto3.client("sqs")
dynamodb = boto3.client("dynamodb")


def submit(event, context):
    """POST /jobs: queues the body and answers with the job's id."""
    sent = sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=event.get("body") or "{}")
    return {"statusCode": 202, "body": json.dumps({"id": sent["MessageId"]})}


def work(event, context):
    """Queue event: records each job; failures are reported per message, so only the failed
    ones come back (and reach `failed-jobs` after three tries)."""
    failures = []
    for record in event["Records"]:
        try:
            item = {
                "id": {"S": record["messageId"]},
                "body": {"S": record["body"]},
                "done_at": {"N": str(int(time.time() * 1000))},
            }
            dynamodb.put_item(TableName=os.environ["TABLE"], Item=item)
        except Exception as err:  # noqa: BLE001 - any failure sends the message back
            print(record["messageId"], err)
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
