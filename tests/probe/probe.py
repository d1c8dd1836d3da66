"""The probe: deployed by tests/deploy.rs in place of every function's code.

It carries the access table of every function of the app (`access/<function name>.json`, as
`updraft explain-access FUNCTION --format json` prints it) and picks its own by the name Lambda
runs it under (AWS_LAMBDA_FUNCTION_NAME).

- Invoked with {"probe": true, "inventory": {...}} it performs every operation its table grants,
  against the real resource, and a set of neighbour operations that must be denied (the next
  access level's actions on the same resource, the same actions on the app's other resources,
  iam:PassRole, logs on another function's group), and returns one result per operation.
- Invoked by anything else (a trigger, an HTTP route, an async call) it logs one line
  `PROBE-EVENT <function> <event>` that the suite finds in the function's log group, and answers
  (HTTP events get a JSON body naming the function). An event whose text holds `PROBE-FAIL`
  makes it raise, so the suite can follow the event to its dead letter.

Also runnable as a `provided.*` bootstrap (`python3 probe.py --runtime-api`) and as a filter
(`python3 probe.py --serve`, kept by the Node shim; `--stdin` for one event): both call the same `handler`.
"""

import fnmatch
import json
import os
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION = open(os.path.join(HERE, "probe-version.txt")).read().strip() if os.path.exists(
    os.path.join(HERE, "probe-version.txt")) else "0"

DENIED_CODES = {
    "AccessDenied", "AccessDeniedException", "AuthorizationError", "AuthorizationErrorException",
    "UnauthorizedOperation", "Forbidden", "403", "NotAuthorized", "UnrecognizedClientException",
}


_log_buffer = None  # --serve: log lines travel with the answer, so they land in this invocation's log


def log(*parts):
    if _log_buffer is not None:
        _log_buffer.append(" ".join(str(p) for p in parts))
    else:
        print(*parts, file=sys.stderr, flush=True)


def function_name():
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")


def load_table(name):
    path = os.path.join(HERE, "access", name + ".json")
    with open(path) as f:
        return json.load(f)


# ---------------------------------------------------------------- clients

_clients = {}
_clients_lock = threading.Lock()


def client(service, read_timeout=20):
    key = (service, read_timeout)
    with _clients_lock:
        return _client(service, read_timeout, key)


def _client(service, read_timeout, key):
    if key not in _clients:
        import boto3
        from botocore.config import Config
        cfg = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5,
                     read_timeout=read_timeout, s3={"addressing_style": "path"})
        _clients[key] = boto3.client(service, config=cfg)
    return _clients[key]


def attempt(fn):
    """Run one call: ("ok"|"denied"|"error", code, message)."""
    from botocore.exceptions import ClientError
    try:
        fn()
        return "ok", "", ""
    except ClientError as e:
        err = e.response.get("Error", {})
        code = str(err.get("Code", ""))
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        msg = str(err.get("Message", ""))[:300]
        if code in DENIED_CODES or (status == 403 and code in ("", "403")) or "not authorized" in msg.lower():
            return "denied", code or str(status), msg
        return "error", code or str(status), msg
    except Exception as e:  # connection errors, unknown services, parameter validation
        return "error", type(e).__name__, str(e)[:300]


# ---------------------------------------------------------------- resources

def concrete(pattern, inv):
    """An access-table resource pattern with this deployment's region and account."""
    parts = pattern.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        if parts[3] == "*":
            parts[3] = inv["region"]
        if parts[4] == "*":
            parts[4] = inv["account"]
        return ":".join(parts)
    return pattern


def glob(pattern, value):
    # IAM: `*` any run, `?` one character; fnmatch's [ ] are not IAM syntax
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def resource_of(arn, inv):
    """(kind, name, extra) of a concrete ARN or ARN pattern, matched against the inventory."""
    if arn == "*":
        return ("any", "*", {})
    svc = arn.split(":")[2] if arn.count(":") >= 5 else ""
    rest = arn.split(":", 5)[5] if arn.count(":") >= 5 else ""
    if svc == "s3":
        bucket, _, key = rest.partition("/")
        for name in inv.get("buckets", {}):
            if glob(bucket, name):
                if key or arn.endswith("/"):
                    prefix = key.rstrip("*")
                    return ("object", name, {"prefix": prefix})
                return ("bucket", name, {})
        return ("unknown", arn, {})
    if svc == "dynamodb":
        if "/stream/" in rest:
            table = rest.split("/")[1]
            for name, t in inv.get("tables", {}).items():
                if glob(table, name) and t.get("stream_arn"):
                    return ("stream", name, {"stream_arn": t["stream_arn"]})
            return ("unknown", arn, {})
        if "/index/" in rest:
            table = rest.split("/")[1]
            for name in inv.get("tables", {}):
                if glob(table, name):
                    return ("index", name, {})
            return ("unknown", arn, {})
    if svc == "logs":
        group = rest.split(":log-stream:")[0]
        if group.startswith("log-group:"):
            group = group[len("log-group:"):]
            for name in inv.get("log_groups", {}):
                if glob(group, name):
                    return ("log_group", name, {})
        return ("unknown", arn, {})
    kinds = {"dynamodb": "tables", "sqs": "queues", "sns": "topics", "secretsmanager": "secrets",
             "ssm": "parameters", "lambda": "functions", "logs": "log_groups"}
    group = kinds.get(svc)
    if group:
        for name, r in inv.get(group, {}).items():
            if glob(arn, r["arn"]):
                return (group[:-1], name, {})
    return ("unknown", arn, {})


# ---------------------------------------------------------------- operations

def key_of(table, suffix="probe"):
    key = {}
    for k in table["keys"]:
        t = k["type"]
        if t == "S":
            key[k["name"]] = {"S": suffix}
        elif t == "N":
            key[k["name"]] = {"N": "1"}
        else:
            key[k["name"]] = {"B": suffix.encode()}
    return key


def op_call(action, kind, name, extra, inv, tag):
    """A zero-argument function performing `action` on the resource, or None when the probe
    has no way to perform it."""
    svc, verb = action.split(":", 1)
    fn = function_name()
    if kind == "table" or kind == "index":
        t = inv["tables"][name]
        ddb = client("dynamodb")
        key = key_of(t, "probe-" + fn)
        pk = t["keys"][0]
        index = None
        if kind == "index":
            if not t.get("indexes"):
                return None
            index, ikeys = sorted(t["indexes"].items())[0]
            pk = ikeys[0]
        kv = key_of({"keys": [pk]}, "probe-" + fn)[pk["name"]]
        calls = {
            "GetItem": lambda: ddb.get_item(TableName=name, Key=key),
            "PutItem": lambda: ddb.put_item(TableName=name, Item={**key, "probe": {"S": tag}}),
            "UpdateItem": lambda: ddb.update_item(TableName=name, Key=key, UpdateExpression="SET probe = :v",
                                                  ExpressionAttributeValues={":v": {"S": tag}}),
            "DeleteItem": lambda: ddb.delete_item(TableName=name, Key=key),
            "Query": lambda: ddb.query(TableName=name, **({"IndexName": index} if index else {}),
                                       KeyConditionExpression="#k = :v",
                                       ExpressionAttributeNames={"#k": pk["name"]},
                                       ExpressionAttributeValues={":v": kv}),
            "Scan": lambda: ddb.scan(TableName=name, Limit=1, **({"IndexName": index} if index else {})),
            "BatchGetItem": lambda: ddb.batch_get_item(RequestItems={name: {"Keys": [key]}}),
            "BatchWriteItem": lambda: ddb.batch_write_item(
                RequestItems={name: [{"PutRequest": {"Item": {**key, "probe": {"S": tag}}}}]}),
            "ConditionCheckItem": lambda: ddb.transact_write_items(TransactItems=[{"ConditionCheck": {
                "TableName": name, "Key": key, "ConditionExpression": "attribute_not_exists(#n)",
                "ExpressionAttributeNames": {"#n": "probe-never"}}}]),
            "DescribeTable": lambda: ddb.describe_table(TableName=name),
            "DeleteTable": None,
        }
        return calls.get(verb) if svc == "dynamodb" else None
    if kind == "stream":
        streams = client("dynamodbstreams")
        sarn = extra["stream_arn"]

        def shard_iterator():
            shards = streams.describe_stream(StreamArn=sarn)["StreamDescription"].get("Shards", [])
            sid = shards[0]["ShardId"] if shards else "shardId-probe"
            return streams.get_shard_iterator(StreamArn=sarn, ShardId=sid, ShardIteratorType="LATEST")

        calls = {
            "DescribeStream": lambda: streams.describe_stream(StreamArn=sarn),
            "GetShardIterator": shard_iterator,
            "GetRecords": lambda: streams.get_records(ShardIterator=shard_iterator()["ShardIterator"]),
        }
        return calls.get(verb) if svc == "dynamodb" else None
    if kind == "any":
        calls = {
            "dynamodb:ListStreams": lambda: client("dynamodbstreams").list_streams(Limit=1),
            "xray:PutTraceSegments": lambda: client("xray").put_trace_segments(TraceSegmentDocuments=[json.dumps({
                "name": fn, "id": uuid.uuid4().hex[:16], "trace_id": "1-%08x-%s" % (int(time.time()), uuid.uuid4().hex[:24]),
                "start_time": time.time(), "end_time": time.time()})]),
            "xray:PutTelemetryRecords": lambda: client("xray").put_telemetry_records(TelemetryRecords=[]),
        }
        return calls.get(action)
    if kind == "queue":
        q = inv["queues"][name]
        sqs = client("sqs")
        url = q["url"]
        fifo = name.endswith(".fifo")
        extra_send = {"MessageGroupId": "probe", "MessageDeduplicationId": uuid.uuid4().hex} if fifo else {}
        calls = {
            "SendMessage": lambda: sqs.send_message(QueueUrl=url, MessageBody="PROBE-OP " + tag, **extra_send),
            "ReceiveMessage": lambda: sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=0,
                                                          VisibilityTimeout=0),
            "DeleteMessage": lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle="probe-invalid-handle"),
            "ChangeMessageVisibility": lambda: sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle="probe-invalid-handle", VisibilityTimeout=0),
            "GetQueueAttributes": lambda: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"]),
            "PurgeQueue": None,
            "SetQueueAttributes": lambda: sqs.set_queue_attributes(
                QueueUrl=url, Attributes={"MaximumMessageSize": "262144"}),
        }
        return calls.get(verb) if svc == "sqs" else None
    if kind == "topic":
        arn = inv["topics"][name]["arn"]
        sns = client("sns")
        fifo = name.endswith(".fifo")
        extra_pub = {"MessageGroupId": "probe", "MessageDeduplicationId": uuid.uuid4().hex} if fifo else {}
        calls = {
            "Publish": lambda: sns.publish(TopicArn=arn, Message="PROBE-OP " + tag, **extra_pub),
            "GetTopicAttributes": lambda: sns.get_topic_attributes(TopicArn=arn),
            "Subscribe": lambda: sns.subscribe(TopicArn=arn, Protocol="sqs",
                                               Endpoint="arn:aws:sqs:%s:%s:probe-nowhere" % (inv["region"], inv["account"])),
        }
        return calls.get(verb) if svc == "sns" else None
    if kind in ("object", "bucket"):
        s3 = client("s3")
        prefix = extra.get("prefix", "")
        seed = prefix + "probe-seed.txt"
        own = prefix + "probe-" + fn + ".txt"
        calls = {
            "GetObject": lambda: s3.get_object(Bucket=name, Key=seed),
            "PutObject": lambda: s3.put_object(Bucket=name, Key=own, Body=tag.encode()),
            "DeleteObject": lambda: s3.delete_object(Bucket=name, Key=prefix + "probe-" + fn + "-gone.txt"),
            "AbortMultipartUpload": lambda: s3.abort_multipart_upload(Bucket=name, Key=own, UploadId="probe-no-upload"),
            "ListBucket": lambda: s3.list_objects_v2(Bucket=name, Prefix=extra.get("list_prefix", ""), MaxKeys=1),
        }
        if kind == "bucket" and verb != "ListBucket":
            return None
        if kind == "object" and verb == "ListBucket":
            return None
        return calls.get(verb) if svc == "s3" else None
    if kind == "secret":
        arn = inv["secrets"][name]["arn"]
        sm = client("secretsmanager")
        calls = {
            "GetSecretValue": lambda: sm.get_secret_value(SecretId=arn),
            "DescribeSecret": lambda: sm.describe_secret(SecretId=arn),
            "PutSecretValue": lambda: sm.put_secret_value(SecretId=arn, SecretString="{}"),
        }
        return calls.get(verb) if svc == "secretsmanager" else None
    if kind == "parameter":
        ssm = client("ssm")
        calls = {
            "GetParameter": lambda: ssm.get_parameter(Name=name, WithDecryption=True),
            "GetParameters": lambda: ssm.get_parameters(Names=[name], WithDecryption=True),
            "PutParameter": lambda: ssm.put_parameter(Name=name, Value="probe", Type="SecureString", Overwrite=True),
        }
        return calls.get(verb) if svc == "ssm" else None
    if kind == "function":
        lam = client("lambda")
        calls = {
            "InvokeFunction": lambda: lam.invoke(FunctionName=name, InvocationType="Event",
                                                 Payload=json.dumps({"probe-ping": tag, "from": fn}).encode()),
            "GetFunction": lambda: lam.get_function(FunctionName=name),
            "UpdateFunctionConfiguration": None,
        }
        return calls.get(verb) if svc == "lambda" else None
    if kind == "log_group":
        if name == "/aws/lambda/" + fn and os.environ.get("PROBE_OWN_LOGS") != "1":
            # the local AWS holds a function's own group while its invocation runs: a call to it
            # from the function never returns (and holds a server thread), so it is not made
            return None
        logs = client("logs")
        stream = "probe-" + uuid.uuid4().hex[:12]

        def put():
            logs.create_log_stream(logGroupName=name, logStreamName=stream)
            logs.put_log_events(logGroupName=name, logStreamName=stream,
                                logEvents=[{"timestamp": int(time.time() * 1000), "message": "PROBE-OP " + tag}])

        calls = {
            "CreateLogStream": lambda: logs.create_log_stream(logGroupName=name, logStreamName=stream),
            "PutLogEvents": put,
        }
        return calls.get(verb) if svc == "logs" else None
    return None


# Representative actions per kind of resource: the ones the table does not grant are the
# "next access level" neighbours, expected to be denied.
LEVELS = {
    "table": ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PutItem",
              "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
    "queue": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:SetQueueAttributes"],
    "topic": ["sns:Publish", "sns:Subscribe"],
    "object": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
    "secret": ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
    "parameter": ["ssm:GetParameter", "ssm:PutParameter"],
    "function": ["lambda:InvokeFunction", "lambda:GetFunction"],
}
# The same action on another resource of the app: one representative per kind.
SAME_ACTION = {
    "table": "dynamodb:GetItem", "queue": "sqs:SendMessage", "topic": "sns:Publish",
    "object": "s3:PutObject", "secret": "secretsmanager:GetSecretValue",
    "parameter": "ssm:GetParameter", "function": "lambda:InvokeFunction",
}
GROUPS = {"table": "tables", "queue": "queues", "topic": "topics", "secret": "secrets",
          "parameter": "parameters", "function": "functions", "object": "buckets"}


def plan(table, inv):
    """Granted operations, then neighbours: [(expect, why, action, kind, name, extra)]."""
    fn = function_name()
    allowed = []  # (action, concrete pattern, condition)
    denied_patterns = []
    for st in table.get("statements", []):
        for action in st["actions"]:
            for res in st["resources"]:
                allowed.append((action, concrete(res, inv), st.get("condition")))
    for raw in table.get("raw") or []:
        effect = raw.get("Effect", "Allow")
        acts = raw.get("Action") or []
        ress = raw.get("Resource") or []
        for a in ([acts] if isinstance(acts, str) else acts):
            for r in ([ress] if isinstance(ress, str) else ress):
                (allowed if effect == "Allow" else denied_patterns).append((a, r, raw.get("Condition")))

    ops = []
    granted_targets = {}  # kind -> set of names granted (any action)
    seen = set()
    for action, pattern, cond in allowed:
        kind, name, extra = resource_of(pattern, inv)
        if kind == "unknown":
            ops.append(("allow", "granted: resource not in this deployment (" + pattern + ")", action, kind, name, extra))
            continue
        if kind == "bucket" and cond:
            for v in (cond.get("StringLike", {}) or {}).get("s3:prefix", []) or [""]:
                extra = {"list_prefix": v.rstrip("*")}
        key = (action, kind, name, json.dumps(extra, sort_keys=True))
        if key in seen:
            continue
        seen.add(key)
        granted_targets.setdefault(kind, {}).setdefault(name, set()).add(action)
        if kind == "object":
            granted_targets.setdefault("prefix", {}).setdefault(name, set()).add(extra.get("prefix", ""))
        ops.append(("allow", "granted", action, kind, name, extra))

    def is_granted(action, kind, name, extra):
        for a, pattern, _ in allowed:
            if not glob(a, action):
                continue
            k, n, e = resource_of(pattern, inv)
            if n != name:
                continue
            if kind == "object" and k == "object":
                if (extra.get("prefix", "") + "probe-x").startswith(e.get("prefix", "")):
                    return True
            elif k == kind or (kind == "index" and k == "table"):
                return True
        return False

    # next access level: the representative actions of each granted resource kind
    for kind, names in sorted(granted_targets.items()):
        if kind not in LEVELS:
            continue
        for name in sorted(names):
            for action in LEVELS[kind]:
                if kind == "object" and action == "s3:GetObject" and inv["buckets"][name].get("public_read"):
                    ops.append(("allow", "public bucket: its policy lets anyone read", action, kind, name,
                                {"prefix": sorted(granted_targets["prefix"][name])[0]}))
                    continue
                if kind == "object":
                    for prefix in sorted(granted_targets["prefix"][name]):
                        extra = {"prefix": prefix}
                        if not is_granted(action, kind, name, extra):
                            ops.append(("deny", "next access level", action, kind, name, extra))
                elif not is_granted(action, kind, name, {}):
                    ops.append(("deny", "next access level", action, kind, name, {}))
    # the same action on another resource of the app
    for kind, group in GROUPS.items():
        if kind not in granted_targets:
            continue
        action = SAME_ACTION[kind]
        for name in sorted(inv.get(group, {})):
            if name in granted_targets[kind] or name == fn:
                continue
            if kind == "queue" and action == "sqs:SendMessage" and inv["queues"][name].get("artifact"):
                continue
            if not is_granted(action, kind, name, {"prefix": "probe-outside/"}):
                ops.append(("deny", "same action, another " + kind, action, kind, name,
                            {"prefix": "probe-outside/"} if kind == "object" else {}))
    # the same action outside a granted prefix of a bucket
    for name, prefixes in sorted(granted_targets.get("prefix", {}).items()):
        if "" in prefixes:
            continue
        for action in sorted(granted_targets["object"][name]):
            if action in ("s3:AbortMultipartUpload",):
                continue
            extra = {"prefix": "probe-outside/"}
            if not is_granted(action, "object", name, extra):
                ops.append(("deny", "same action, outside the granted prefix", action, "object", name, extra))
    # logs on another function's group
    for name in sorted(inv.get("log_groups", {})):
        if name != "/aws/lambda/" + fn and name.startswith("/aws/lambda/"):
            ops.append(("deny", "logs on another group", "logs:CreateLogStream", "log_group", name, {}))
            break
    ops.append(("deny", "iam:PassRole", "iam:PassRole", "passrole", fn, {}))
    return ops


def run_probe(event):
    inv = event["inventory"]
    fn = function_name()
    table = load_table(fn)
    tag = event.get("tag") or uuid.uuid4().hex
    rows = []
    planned = plan(table, inv)
    start, end = event.get("slice") or [0, len(planned)]
    for expect, why, action, kind, name, extra in planned[start:end]:
        row = {"expect": expect, "why": why, "action": action, "resource": name, "kind": kind}
        if extra.get("prefix"):
            row["resource"] = name + "/" + extra["prefix"]
        if kind == "passrole":
            role = inv["functions"].get(fn, {}).get("role", "")

            def passrole(role=role):
                client("lambda").create_function(
                    FunctionName="probe-passrole-" + uuid.uuid4().hex[:8], Role=role, Runtime="python3.12",
                    Handler="x.handler", Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18})
            call = passrole
            client("lambda")
        elif kind == "unknown":
            call = None
        else:
            call = op_call(action, kind, name, extra, inv, tag)
        rows.append((row, call))

    if event.get("dry"):  # warm-up: modules imported and clients made, nothing performed
        return {"function": fn, "version": VERSION, "results": [], "total": len(planned)}

    def perform(item):
        row, call = item
        if os.environ.get("PROBE_TRACE"):
            log("probe:", row["expect"], row["action"], row["resource"])
        if call is None:
            row.update(outcome="unperformed", code="", message="the probe has no call for this action here")
        else:
            outcome, code, message = attempt(call)
            row.update(outcome=outcome, code=code, message=message)
        return row

    # the calls are independent: run them side by side (clients are made first, in op_call)
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(perform, rows))
    return {"function": fn, "version": VERSION, "results": results, "total": len(planned)}


def handler(event, context=None):
    if isinstance(event, dict) and event.get("probe"):
        return run_probe(event)
    if isinstance(event, dict) and event.get("env?"):  # for debugging the suite: no secrets here
        return {k: v for k, v in os.environ.items() if "SECRET" not in k and "TOKEN" not in k}
    text = json.dumps(event, sort_keys=True, default=str)
    log("PROBE-EVENT", function_name(), VERSION, text[:4000])
    if "PROBE-FAIL" in text:
        raise RuntimeError("PROBE-FAIL: failing on purpose")
    if isinstance(event, dict) and ("requestContext" in event and "http" in event.get("requestContext", {})
                                    or "routeKey" in event):
        return {"statusCode": 200, "headers": {"content-type": "application/json"},
                "body": json.dumps({"probe-function": function_name(), "version": VERSION,
                                    "route": event.get("routeKey")})}
    if isinstance(event, dict) and isinstance(event.get("Records"), list) and event["Records"] \
            and event["Records"][0].get("eventSource") in ("aws:sqs", "aws:dynamodb", "aws:kinesis"):
        return {"batchItemFailures": []}
    return {"probe-function": function_name(), "version": VERSION}


def runtime_api_loop():
    """A `provided.*` runtime: the Lambda Runtime API loop around `handler`."""
    import urllib.request
    base = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
    while True:
        with urllib.request.urlopen(base + "next") as r:
            rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
            event = json.loads(r.read() or b"{}")
        try:
            body = json.dumps(handler(event)).encode()
            url = base + rid + "/response"
        except Exception as e:
            body = json.dumps({"errorMessage": str(e), "errorType": type(e).__name__}).encode()
            url = base + rid + "/error"
        urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST")).read()


if __name__ == "__main__":
    if "--runtime-api" in sys.argv:
        runtime_api_loop()
    elif "--serve" in sys.argv:  # the Node shim: one JSON event per line, one answer per line
        for line in sys.stdin:
            _log_buffer = []
            try:
                answer = {"ok": handler(json.loads(line))}
            except Exception as e:
                answer = {"error": {"errorMessage": str(e), "errorType": type(e).__name__}}
            answer["logs"], _log_buffer = _log_buffer, None
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
    else:  # --stdin: one event on stdin, the answer on stdout; a failure exits 1
        ev = json.loads(sys.stdin.read() or "{}")
        try:
            out = handler(ev)
        except Exception as e:
            print(json.dumps({"errorMessage": str(e), "errorType": type(e).__name__}))
            sys.exit(1)
        print(json.dumps(out))
