"""Tests of the Python adapter: each event shape in, what the handler receives and what the
caller gets back. Run: python3 -m unittest discover -s targets/knative/adapter"""

import base64
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import updraft_adapter as adapter  # noqa: E402


class Recorder:
    """A handler that records its event and returns what the test sets."""

    def __init__(self, result=None, error=None):
        self.events = []
        self.contexts = []
        self.result = result
        self.error = error

    def __call__(self, event, context):
        self.events.append(event)
        self.contexts.append(context)
        if self.error:
            raise self.error
        return self.result


def binary(ce_type, data, **extra):
    headers = {"ce-specversion": "1.0", "ce-id": "e-1", "ce-source": "/src", "ce-type": ce_type,
               "Content-Type": "application/json"}
    headers.update({"ce-" + k: v for k, v in extra.items()})
    return headers, data


class HttpRequests(unittest.TestCase):
    def test_a_request_is_an_http_api_v2_event(self):
        h = Recorder({"statusCode": 201, "headers": {"x-a": "1"}, "cookies": ["s=1"], "body": "made"})
        status, headers, body = adapter.handle(
            h, "POST", "/items?tag=a&tag=b&q=", {"Content-Type": "application/json", "Cookie": "a=1; b=2", "X-Multi": "v"},
            b'{"name":"x"}')
        event = h.events[0]
        self.assertEqual(event["version"], "2.0")
        self.assertEqual(event["rawPath"], "/items")
        self.assertEqual(event["rawQueryString"], "tag=a&tag=b&q=")
        self.assertEqual(event["queryStringParameters"], {"tag": "a,b", "q": ""})
        self.assertEqual(event["requestContext"]["http"]["method"], "POST")
        self.assertEqual(event["headers"]["x-multi"], "v")
        self.assertEqual(event["cookies"], ["a=1", "b=2"])
        self.assertNotIn("cookie", event["headers"])
        self.assertEqual(json.loads(event["body"]), {"name": "x"})
        self.assertFalse(event["isBase64Encoded"])
        self.assertEqual(status, 201)
        self.assertIn(("x-a", "1"), headers)
        self.assertIn(("Set-Cookie", "s=1"), headers)
        self.assertEqual(body, b"made")

    def test_binary_bodies_are_base64_both_ways(self):
        h = Recorder({"statusCode": 200, "isBase64Encoded": True, "body": base64.b64encode(b"\x00\xff").decode()})
        status, _, body = adapter.handle(h, "PUT", "/blob", {"Content-Type": "image/png"}, b"\x89PNG")
        self.assertTrue(h.events[0]["isBase64Encoded"])
        self.assertEqual(base64.b64decode(h.events[0]["body"]), b"\x89PNG")
        self.assertEqual((status, body), (200, b"\x00\xff"))

    def test_a_plain_return_value_is_json_and_a_failure_is_500(self):
        status, headers, body = adapter.handle(Recorder({"ok": True}), "GET", "/", {}, b"")
        self.assertEqual((status, json.loads(body)), (200, {"ok": True}))
        self.assertIn(("Content-Type", "application/json"), headers)
        status, _, _ = adapter.handle(Recorder(error=ValueError("boom")), "GET", "/", {}, b"")
        self.assertEqual(status, 500)

    def test_the_context_has_lambda_fields(self):
        h = Recorder()
        adapter.handle(h, "GET", "/", {}, b"", timeout_s=30)
        ctx = h.contexts[0]
        self.assertTrue(ctx.aws_request_id)
        self.assertTrue(0 < ctx.get_remaining_time_in_millis() <= 30000)


class CloudEvents(unittest.TestCase):
    def test_a_queue_event_is_sqs_records(self):
        h = Recorder()
        status, _, _ = adapter.handle(h, "POST", "/", *binary("shop.queue.orders", b'{"id":7}', priority="high"))
        record = h.events[0]["Records"][0]
        self.assertEqual(record["eventSource"], "aws:sqs")
        self.assertEqual(record["messageId"], "e-1")
        self.assertEqual(json.loads(record["body"]), {"id": 7})
        self.assertEqual(record["messageAttributes"]["priority"]["stringValue"], "high")
        adapter.handle(h, "POST", "/", *binary("shop.queue.commands", b"{}", partitionkey="device-7"))
        self.assertEqual(h.events[1]["Records"][0]["attributes"]["MessageGroupId"], "device-7")
        self.assertEqual(status, 200)

    def test_a_topic_event_is_sns_records_structured_mode_too(self):
        h = Recorder()
        doc = {"specversion": "1.0", "id": "e-2", "source": "/s", "type": "shop.topic.shipments",
               "carrier": "dhl", "data": {"parcel": 1}}
        adapter.handle(h, "POST", "/", {"Content-Type": "application/cloudevents+json"}, json.dumps(doc).encode())
        sns = h.events[0]["Records"][0]["Sns"]
        self.assertEqual(h.events[0]["Records"][0]["EventSource"], "aws:sns")
        self.assertEqual(json.loads(sns["Message"]), {"parcel": 1})
        self.assertEqual(sns["MessageAttributes"]["carrier"], {"Type": "String", "Value": "dhl"})

    def test_an_invocation_is_the_payload_and_a_schedule_is_a_scheduled_event(self):
        h = Recorder()
        adapter.handle(h, "POST", "/", *binary("shop.function.notify", b'{"to":"a@b"}'))
        adapter.handle(h, "POST", "/", *binary("dev.knative.sources.ping", b""))
        self.assertEqual(h.events[0], {"to": "a@b"})
        self.assertEqual(h.events[1]["detail-type"], "Scheduled Event")
        self.assertEqual(h.events[1]["source"], "aws.events")

    def test_aws_sources_pass_the_records_they_carry(self):
        h = Recorder()
        s3 = {"Records": [{"eventSource": "aws:s3", "s3": {"object": {"key": "uploads/a.jpg"}}}]}
        adapter.handle(h, "POST", "/", *binary("dev.knative.eventing.aws-sqs", json.dumps(s3).encode(), updraftshape="s3", updraftsource="fbucketb"))
        ddb = {"eventName": "REMOVE", "dynamodb": {"Keys": {"id": {"S": "1"}}}}
        adapter.handle(h, "POST", "/", *binary("any.type", json.dumps(ddb).encode(), updraftshape="dynamodb"))
        self.assertEqual(h.events[0], s3)
        self.assertEqual(h.events[1]["Records"][0]["eventName"], "REMOVE")
        self.assertEqual(h.events[1]["Records"][0]["eventSource"], "aws:dynamodb")

    def test_failures_make_the_broker_retry(self):
        status, _, _ = adapter.handle(Recorder(error=RuntimeError("x")), "POST", "/", *binary("a.queue.q", b"1"))
        self.assertEqual(status, 500)
        partial = Recorder({"batchItemFailures": [{"itemIdentifier": "e-1"}]})
        status, _, _ = adapter.handle(partial, "POST", "/", *binary("a.queue.q", b"1"))
        self.assertEqual(status, 500)
        status, _, body = adapter.handle(Recorder({"batchItemFailures": []}), "POST", "/", *binary("a.queue.q", b"1"))
        self.assertEqual((status, body), (200, b""))


class Loading(unittest.TestCase):
    def test_the_handler_is_found_by_its_lambda_name(self):
        with tempfile.TemporaryDirectory() as root:
            os.makedirs(os.path.join(root, "src"))
            with open(os.path.join(root, "src", "photos.py"), "w") as f:
                f.write("def get(event, context):\n    return {'statusCode': 200, 'body': event['rawPath']}\n")
            handler = adapter.load_handler("src/photos.get", root)
            status, _, body = adapter.handle(handler, "GET", "/p/1", {}, b"")
            self.assertEqual((status, body), (200, b"/p/1"))


BOOTSTRAP = """#!%s
# A custom runtime as Lambda runs it: polls the Runtime API, answers each event.
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(api + "next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read())
    if event.get("rawPath") == "/fail":
        kind, out = "error", {"errorMessage": "failed", "errorType": "Boom"}
    else:
        kind, out = "response", {"statusCode": 200, "body": os.environ["_HANDLER"] + " " + event.get("rawPath", "")}
    urllib.request.urlopen(urllib.request.Request(api + rid + "/" + kind, data=json.dumps(out).encode(), method="POST")).read()
""" % sys.executable


class CustomRuntime(unittest.TestCase):
    def test_a_bootstrap_is_served_through_the_runtime_api(self):
        with tempfile.TemporaryDirectory() as root:
            path = os.path.join(root, "bootstrap")
            with open(path, "w") as f:
                f.write(BOOTSTRAP)
            os.chmod(path, 0o755)
            api = adapter.RuntimeApi(path, "my.handler", timeout_s=20)
            try:
                status, _, body = adapter.handle(api, "GET", "/devices/7", {}, b"", timeout_s=20)
                self.assertEqual((status, body), (200, b"my.handler /devices/7"))
                status, _, _ = adapter.handle(api, "GET", "/fail", {}, b"", timeout_s=20)
                self.assertEqual(status, 500)
                status, _, body = adapter.handle(api, "GET", "/again", {}, b"", timeout_s=20)
                self.assertEqual((status, body), (200, b"my.handler /again"))
            finally:
                api.close()


if __name__ == "__main__":
    unittest.main()
