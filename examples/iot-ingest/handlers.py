"""iot-ingest's functions, one module: each reads the names the spec puts in its env."""

import json
import os
import time

import boto3

sqs = boto3.client("sqs")
dynamodb = boto3.client("dynamodb")
sns = boto3.client("sns")

NINETY_DAYS = 90 * 24 * 3600


def ingest(event, context):
    """An MQTT reading from IoT Core: checked, then queued for store-readings."""
    if "device_id" not in event or "temp" not in event:
        raise ValueError(f"not a reading: {event}")
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(event))


def store(event, context):
    """A batch of queued readings into the telemetry table, 25 rows per request."""
    items = []
    for record in event["Records"]:
        reading = json.loads(record["body"])
        ts = int(reading.get("ts", time.time()))
        items.append({"PutRequest": {"Item": {
            "device_id": {"S": str(reading["device_id"])},
            "ts": {"N": str(ts)},
            "temp": {"N": str(reading["temp"])},
            "expires_at": {"N": str(ts + NINETY_DAYS)},
        }}})
    for i in range(0, len(items), 25):
        dynamodb.batch_write_item(RequestItems={os.environ["TABLE"]: items[i:i + 25]})


def overheat(event, context):
    """An IoT rule's match (temp > 85): a shutdown command, in order per device."""
    device = str(event["device_id"])
    sqs.send_message(
        QueueUrl=os.environ["QUEUE_URL"],
        MessageBody=json.dumps({"device_id": device, "command": "shutdown", "temp": event["temp"]}),
        MessageGroupId=device,
        MessageDeduplicationId=f"{device}-{int(time.time())}",
    )


def send_command(event, context):
    """Queued commands announced on the device-events FIFO topic, in order per device."""
    for record in event["Records"]:
        command = json.loads(record["body"])
        sns.publish(
            TopicArn=os.environ["EVENTS_TOPIC"],
            Message=record["body"],
            MessageGroupId=command["device_id"],
            MessageDeduplicationId=record["messageId"],
        )


def redrive(event, context):
    """Run by hand: moves failed readings back to the readings queue, 10 at a time."""
    moved = 0
    while True:
        batch = sqs.receive_message(QueueUrl=os.environ["FROM_URL"], MaxNumberOfMessages=10)
        messages = batch.get("Messages", [])
        if not messages:
            return {"moved": moved}
        for m in messages:
            sqs.send_message(QueueUrl=os.environ["TO_URL"], MessageBody=m["Body"])
            sqs.delete_message(QueueUrl=os.environ["FROM_URL"], ReceiptHandle=m["ReceiptHandle"])
            moved += 1
