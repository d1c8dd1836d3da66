"""updraft's Knative adapter for Python Lambda handlers, and for custom runtimes (standard
library only).

Serves HTTP on $PORT and calls the handler named by $UPDRAFT_HANDLER ("path/module.function",
relative to the working directory) with the event Lambda would pass:

- a plain HTTP request: an API Gateway HTTP API (payload 2.0) event; the handler's return
  value is mapped back as API Gateway does (statusCode, headers, cookies, body, base64);
- a CloudEvent (binary or structured mode) from a Knative Trigger, by its type:
  <app>.queue.<q> -> SQS records, <app>.topic.<t> -> SNS records, <app>.function.<f> -> the
  payload itself (asynchronous invocation), dev.knative.sources.ping -> a scheduled event,
  and events from AWS sources (S3 notifications, SQS messages, DynamoDB stream records)
  as the records they carry. A CloudEvent is answered 200 when the handler returns, 500 when
  it raises or reports batch item failures, so the Broker retries and dead-letters as Lambda.

For a custom runtime (`provided.*`), `--runtime-api ./bootstrap` starts the bootstrap with
AWS_LAMBDA_RUNTIME_API pointing at a local Lambda Runtime API that this adapter serves, and
hands it each event as Lambda would: the handler is the bootstrap, unchanged.
"""

import base64
import importlib.util
import json
import os
import queue
import subprocess
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

PING_TYPE = "dev.knative.sources.ping"


def load_handler(spec, root="."):
    """The function that `module.function` names, imported from its file under root."""
    module, _, name = spec.rpartition(".")
    path = os.path.join(root, module.replace(".", "/") + ".py")
    if not os.path.isfile(path):
        path = os.path.join(root, module + ".py")
    loaded = importlib.util.spec_from_file_location(module.replace("/", "."), path)
    mod = importlib.util.module_from_spec(loaded)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    loaded.loader.exec_module(mod)
    return getattr(mod, name)


class Context:
    """The fields of Lambda's context object that handlers read."""

    def __init__(self, request_id, timeout_s=None):
        self.function_name = os.environ.get("UPDRAFT_FUNCTION", os.environ.get("K_SERVICE", ""))
        self.function_version = os.environ.get("K_REVISION", "$LATEST")
        self.invoked_function_arn = self.function_name
        self.memory_limit_in_mb = os.environ.get("UPDRAFT_MEMORY_MB", "128")
        self.aws_request_id = request_id
        self.log_group_name = ""
        self.log_stream_name = ""
        self._deadline = time.time() + (timeout_s or 300)

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.time()) * 1000))


def cloud_event(headers, body):
    """The CloudEvent a request carries as (attributes, data bytes), or None."""
    lower = {k.lower(): v for k, v in headers.items()}
    if "ce-specversion" in lower:
        attrs = {k[3:]: v for k, v in lower.items() if k.startswith("ce-")}
        if "content-type" in lower:
            attrs["datacontenttype"] = lower["content-type"]
        return attrs, body
    if lower.get("content-type", "").startswith("application/cloudevents+json"):
        doc = json.loads(body or b"{}")
        if "data_base64" in doc:
            data = base64.b64decode(doc.pop("data_base64"))
        else:
            data = doc.pop("data", None)
            data = b"" if data is None else (data if isinstance(data, str) else json.dumps(data)).encode()
        return {k: str(v) for k, v in doc.items()}, data
    return None


def _text(data):
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


def _json_or_none(data):
    try:
        return json.loads(data or b"null")
    except ValueError:
        return None


def event_for(attrs, data):
    """The Lambda event for a CloudEvent."""
    kind = attrs.get("type", "")
    parts = kind.split(".", 2)
    now = attrs.get("time") or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    ident = attrs.get("id") or str(uuid.uuid4())
    extensions = {
        k: v
        for k, v in attrs.items()
        if k not in ("id", "source", "specversion", "type", "datacontenttype", "dataschema", "subject", "time")
    }
    shape = attrs.get("updraftshape")
    if shape == "s3":  # an SQS message that S3 posted: its body is the notification
        return _json_or_none(data)
    if shape == "dynamodb":
        payload = _json_or_none(data)
        records = payload if isinstance(payload, list) else [payload]
        return {"Records": [dict(r, eventSource="aws:dynamodb") if isinstance(r, dict) else r for r in records]}
    extensions = {k: v for k, v in extensions.items() if not k.startswith("updraft")}
    if kind == PING_TYPE:
        return {
            "version": "0",
            "id": ident,
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "",
            "time": now,
            "region": "",
            "resources": [attrs.get("source", "")],
            "detail": {},
        }
    if len(parts) == 3 and parts[1] == "queue":
        sqs_attributes = {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(int(time.time() * 1000)),
            "SenderId": attrs.get("source", ""),
            "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000)),
        }
        if "partitionkey" in attrs:  # a FIFO queue's message group (Kafka partition key)
            sqs_attributes["MessageGroupId"] = attrs["partitionkey"]
        return {"Records": [{
            "messageId": ident,
            "receiptHandle": ident,
            "body": _text(data),
            "attributes": sqs_attributes,
            "messageAttributes": {
                k: {"stringValue": v, "dataType": "String"} for k, v in sorted(extensions.items())
            },
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": kind,
            "awsRegion": "",
        }]}
    if len(parts) == 3 and parts[1] == "topic":
        return {"Records": [{
            "EventSource": "aws:sns",
            "EventVersion": "1.0",
            "EventSubscriptionArn": kind,
            "Sns": {
                "Type": "Notification",
                "MessageId": ident,
                "TopicArn": kind,
                "Subject": attrs.get("subject"),
                "Message": _text(data),
                "Timestamp": now,
                "MessageAttributes": {
                    k: {"Type": "String", "Value": v} for k, v in sorted(extensions.items())
                },
            },
        }]}
    if len(parts) == 3 and parts[1] == "function":
        return _json_or_none(data)
    # An AWS source passes what the AWS service produced: an SQS message whose body is an S3
    # notification is that notification; a DynamoDB stream record is wrapped in Records.
    payload = _json_or_none(data)
    if "aws-ddb-streams" in kind or "dynamodb" in kind:
        records = payload if isinstance(payload, list) else [payload]
        return {"Records": [dict(r, eventSource="aws:dynamodb") if isinstance(r, dict) else r for r in records]}
    if isinstance(payload, dict) and "Records" in payload:
        return payload
    if "aws-sqs" in kind:
        return event_for(dict(attrs, type="aws.queue." + attrs.get("source", "")), data)
    return payload


def http_event(method, target, headers, body):
    """The API Gateway HTTP API (payload 2.0) event of a request."""
    path, _, query = target.partition("?")
    lower = {}
    cookies = []
    for k, v in headers.items():
        k = k.lower()
        if k == "cookie":
            cookies.extend(c.strip() for c in v.split(";") if c.strip())
            continue
        lower[k] = lower[k] + "," + v if k in lower else v
    params = {}
    for k, v in parse_qsl(query, keep_blank_values=True):
        params[k] = params[k] + "," + v if k in params else v
    text_like = lower.get("content-type", "").startswith(("text/", "application/json", "application/x-www-form-urlencoded"))
    try:
        decoded = body.decode("utf-8") if text_like or not body else None
    except UnicodeDecodeError:
        decoded = None
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": lower,
        "requestContext": {
            "accountId": "",
            "apiId": "",
            "domainName": lower.get("host", ""),
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": lower.get("x-forwarded-for", "").split(",")[0].strip(),
                "userAgent": lower.get("user-agent", ""),
            },
            "requestId": lower.get("x-request-id") or str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if params:
        event["queryStringParameters"] = params
    if body:
        if decoded is None:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
        else:
            event["body"] = decoded
    return event


def http_response(result):
    """(status, headers list, body bytes) from a handler's return value, as API Gateway maps it."""
    if isinstance(result, dict) and "statusCode" in result:
        headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
        for k, values in (result.get("multiValueHeaders") or {}).items():
            headers.extend((k, str(v)) for v in values)
        headers.extend(("Set-Cookie", c) for c in result.get("cookies") or [])
        body = result.get("body") or ""
        if result.get("isBase64Encoded"):
            data = base64.b64decode(body)
        else:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        return int(result["statusCode"]), headers, data
    if result is None:
        return 200, [], b""
    body = result if isinstance(result, str) else json.dumps(result)
    return 200, [("Content-Type", "application/json")], body.encode()


def event_response(result):
    """(status, body) for a CloudEvent delivery: 500 makes the Broker retry."""
    if isinstance(result, dict) and result.get("batchItemFailures"):
        return 500, json.dumps(result).encode()
    return 200, b""


def handle(handler, method, target, headers, body, timeout_s=None):
    """One request through the handler: (status, headers list, body bytes)."""
    ce = cloud_event(headers, body)
    context = Context((ce[0].get("id") if ce else None) or str(uuid.uuid4()), timeout_s)
    try:
        if ce:
            status, data = event_response(handler(event_for(*ce), context))
            return status, [], data
        return http_response(handler(http_event(method, target, headers, body), context))
    except Exception:  # the handler failed: as on Lambda, the caller sees an error
        traceback.print_exc()
        return 500, [("Content-Type", "application/json")], b'{"message":"Internal Server Error"}'


class HandlerError(Exception):
    """An error a custom runtime reported for an invocation."""


class RuntimeApi:
    """A local Lambda Runtime API (2018-06-01) for a custom runtime's bootstrap: calling the
    object invokes the bootstrap with an event and returns its response."""

    PREFIX = "/2018-06-01/runtime"

    def __init__(self, bootstrap, handler="", timeout_s=300):
        self.pending = queue.Queue()
        self.results = {}
        self.lock = threading.Lock()
        self.timeout_s = timeout_s
        api = self

        class Api(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self, status, body=b"{}", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != api.PREFIX + "/invocation/next":
                    return self._reply(404)
                request_id, event, deadline = api.pending.get()
                self._reply(200, json.dumps(event).encode(), [
                    ("Lambda-Runtime-Aws-Request-Id", request_id),
                    ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                    ("Lambda-Runtime-Invoked-Function-Arn", os.environ.get("UPDRAFT_FUNCTION", "")),
                    ("Lambda-Runtime-Trace-Id", ""),
                    ("Content-Type", "application/json"),
                ])

            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = self.path[len(api.PREFIX):].strip("/").split("/")
                if parts[:1] == ["init"]:
                    sys.stderr.write("bootstrap failed to initialize: %s\n" % body.decode("utf-8", "replace"))
                    self._reply(202)
                    os._exit(1)
                if len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    slot = api.results.get(parts[1])
                    if slot is None:
                        return self._reply(400)
                    slot.append((parts[2], body))
                    slot_event = api.results.get(parts[1] + "/done")
                    slot_event.set()
                    return self._reply(202)
                return self._reply(404)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        env = dict(os.environ, AWS_LAMBDA_RUNTIME_API="127.0.0.1:%d" % self.server.server_address[1],
                   _HANDLER=handler, LAMBDA_TASK_ROOT=os.getcwd())
        self.process = subprocess.Popen([bootstrap], env=env)

    def __call__(self, event, context):
        with self.lock:  # Lambda gives an instance one event at a time
            request_id = context.aws_request_id
            done = threading.Event()
            self.results[request_id] = []
            self.results[request_id + "/done"] = done
            deadline = int(time.time() * 1000) + context.get_remaining_time_in_millis()
            self.pending.put((request_id, event, deadline))
            finished = done.wait(self.timeout_s)
            slot = self.results.pop(request_id)
            self.results.pop(request_id + "/done")
            if not finished:
                raise HandlerError("the bootstrap did not answer in time")
            kind, body = slot[0]
            if kind == "error":
                raise HandlerError(body.decode("utf-8", "replace"))
            return json.loads(body) if body else None

    def close(self):
        self.process.kill()
        self.process.wait()
        self.server.shutdown()


def serve(handler, port, timeout_s=None):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            status, out_headers, data = handle(handler, self.command, self.path, dict(self.headers.items()), body, timeout_s)
            self.send_response(status)
            for k, v in out_headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _any

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("", port), Handler).serve_forever()


if __name__ == "__main__":
    timeout = int(os.environ.get("UPDRAFT_TIMEOUT_SECONDS", "300"))
    if sys.argv[1:2] == ["--runtime-api"]:
        target = RuntimeApi(sys.argv[2], os.environ.get("UPDRAFT_HANDLER", ""), timeout)
    else:
        target = load_handler(os.environ["UPDRAFT_HANDLER"])
    serve(
        target,
        int(os.environ.get("PORT", "8080")),
        int(os.environ.get("UPDRAFT_TIMEOUT_SECONDS", "300")),
    )
