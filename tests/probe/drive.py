"""One deployment case of tests/deploy.rs: compile an example, package the probe as every
function's code, deploy it to the local AWS (CloudFormation or Terraform), exercise it, update
it, tear it down, and print one JSON report on stdout (progress goes to stderr).

    python drive.py --example DIR --engine cloudformation|terraform [--stage S]
                    --updraft BIN --work DIR --account 12DIGITS --kit DIR

Every case runs in its own account of the local AWS (the access key is the account id), so
cases run side by side and never meet another user's resources. What the local AWS cannot do
is reported under "gaps"; what the compiled output gets wrong under "findings".
"""

import argparse
import concurrent.futures as cf
import faulthandler
import signal
import copy
import io
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "us-east-1"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

report = {"gaps": [], "findings": [], "steps": [], "probes": [], "triggers": [], "dead_letters": [],
          "routes": [], "update": {}, "teardown": {}}
_lock = threading.RLock()
T0 = time.time()


def say(*parts):
    print("[%6.1fs] %s" % (time.time() - T0, " ".join(str(p) for p in parts)), file=sys.stderr, flush=True)


def gap(text):
    with _lock:
        if text not in report["gaps"]:
            report["gaps"].append(text)
    say("GAP:", text)


def finding(text):
    with _lock:
        report["findings"].append(text)
    say("FINDING:", text)


# ------------------------------------------------------------------ AWS access (admin)

class Aws:
    def __init__(self, account, endpoint, ca):
        import boto3
        from botocore.config import Config
        self.account = account
        self.endpoint = endpoint
        self.ca = ca
        self.session = boto3.session.Session(aws_access_key_id=account, aws_secret_access_key="test",
                                             region_name=REGION)
        self.cfg = Config(retries={"max_attempts": 3, "mode": "standard"}, read_timeout=120,
                          s3={"addressing_style": "path"})
        self._c = {}

    def __call__(self, service):
        if service not in self._c:
            self._c[service] = self.session.client(service, endpoint_url=self.endpoint, verify=self.ca,
                                                   config=self.cfg)
        return self._c[service]

    def invoker(self):
        """A Lambda client that waits once, up to the longest function timeout here."""
        if "invoker" not in self._c:
            from botocore.config import Config
            self._c["invoker"] = self.session.client(
                "lambda", endpoint_url=self.endpoint, verify=self.ca,
                config=Config(retries={"max_attempts": 1}, read_timeout=150))
        return self._c["invoker"]

    def env(self):
        return {**os.environ, "AWS_ACCESS_KEY_ID": self.account, "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_CA_BUNDLE": self.ca}


def run(cmd, cwd=None, env=None, check=True, timeout=900):
    say("$", " ".join(cmd))
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d):\n%s\n%s" % (" ".join(cmd), p.returncode, p.stdout[-4000:], p.stderr[-4000:]))
    return p


def step(name, started):
    with _lock:
        report["steps"].append({"step": name, "seconds": round(time.time() - started, 1)})


# ------------------------------------------------------------------ spec and compiled output

class SpecLoader(yaml.SafeLoader):
    """YAML 1.2 booleans only: `on:` (a bucket event's key) stays a string."""


SpecLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()}
SpecLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))


def load_spec(path):
    with open(path) as f:
        return yaml.load(f, Loader=SpecLoader)


def compile_spec(args, spec_path, out):
    cmd = [args.updraft, "compile", spec_path, "--target", args.engine, "--out", out]
    if args.stage:
        cmd += ["--stage", args.stage]
    run(cmd)


def access_tables(args, spec_path, spec):
    tables = {}
    for fn in spec.get("functions", {}):
        cmd = [args.updraft, "explain-access", fn, spec_path, "--format", "json"]
        if args.stage:
            cmd += ["--stage", args.stage]
        t = json.loads(run(cmd).stdout)
        tables[fn] = t
    return tables


def cfn_code_refs(template):
    """[(logical id, kind, key or None, runtime, handler)] of the template's functions."""
    params = {k: v.get("Default") for k, v in template.get("Parameters", {}).items()}
    refs = []
    for lid, r in template["Resources"].items():
        if r["Type"] != "AWS::Lambda::Function":
            continue
        p = r["Properties"]
        code = p.get("Code", {})
        if "ImageUri" in code:
            refs.append((lid, "image", None, None, None))
            continue
        key = code.get("S3Key")
        if isinstance(key, dict) and "Fn::Sub" in key:
            s = key["Fn::Sub"]
            key = re.sub(r"\$\{(\w+)\}", lambda m: str(params.get(m.group(1)) or ""), s)
        refs.append((lid, "zip", key, p.get("Runtime"), p.get("Handler")))
    return refs


def tf_blocks(text, rtype):
    """(name, start, end) of every `resource "rtype" "name" {` block in an HCL text."""
    out = []
    for m in re.finditer(r'^resource "%s" "([\w-]+)" \{\n' % re.escape(rtype), text, re.M):
        end = text.index("\n}\n", m.end())
        out.append((m.group(1), m.start(), end + 3))
    return out


def tf_variables(out):
    text = open(os.path.join(out, "variables.tf")).read()
    vs = {}
    for m in re.finditer(r'variable "(\w+)" \{(.*?)\n\}', text, re.S):
        d = re.search(r'default\s*=\s*"([^"]*)"', m.group(2))
        vs[m.group(1)] = d.group(1) if d else None
    return vs


def tf_code_refs(out):
    text = open(os.path.join(out, "main.tf")).read()
    vs = tf_variables(out)
    refs = []
    for name, s, e in tf_blocks(text, "aws_lambda_function"):
        block = text[s:e]
        if re.search(r'package_type\s*=\s*"Image"', block):
            refs.append((name, "image", None, None, None))
            continue
        key = re.search(r's3_key\s*=\s*"([^"]*)"', block)
        fname = re.search(r'\n\s*filename\s*=\s*"([^"]*)"', block)
        rt = re.search(r'runtime\s*=\s*"([^"]*)"', block)
        hd = re.search(r'handler\s*=\s*"([^"]*)"', block)
        if key:
            k = re.sub(r"\$\{var\.(\w+)\}", lambda m: vs.get(m.group(1)) or "", key.group(1))
            refs.append((name, "zip", k, rt and rt.group(1), hd and hd.group(1)))
        elif fname:
            # `${path.module}/packages/<file>`: the module's folder is `out`
            path = re.sub(r"^\$\{path\.module\}/", "", fname.group(1))
            refs.append((name, "file", path, rt and rt.group(1), hd and hd.group(1)))
        else:
            refs.append((name, "unknown", None, None, None))
    return refs


# ------------------------------------------------------------------ the probe package

def probe_zip(tables, handlers, version, python):
    """One deterministic zip: the probe, every function's access table, a shim at every handler."""
    files = {}
    files["probe.py"] = open(os.path.join(HERE, "probe.py"), "rb").read()
    files["probe-node.js"] = open(os.path.join(HERE, "probe-node.js"), "rb").read()
    files["probe-python.txt"] = (python + "\n").encode()
    files["probe-version.txt"] = (version + "\n").encode()
    for t in tables.values():
        files["access/%s.json" % t["role"]] = json.dumps(t, indent=1).encode()
    node = {}
    for runtime, handler in sorted(set(handlers)):
        if not handler or not runtime:
            continue
        if runtime.startswith("provided"):
            # the local AWS gives provided.* runtimes no AWS_ENDPOINT_URL when it was started without
            # one (Python and Node workers get it): name it, or the SDK would call the real AWS
            files["bootstrap"] = ('#!/bin/sh\n: "${AWS_ENDPOINT_URL:=%s}"\nexport AWS_ENDPOINT_URL\n'
                                  'exec "%s" "$(dirname "$0")/probe.py" --runtime-api\n' % (ENDPOINT[0], python)).encode()
            continue
        module, _, name = handler.rpartition(".")
        if runtime.startswith("python"):
            path = module.replace(".", "/") + ".py"
            if path == "probe.py":
                continue
            depth = path.count("/")
            shim = ("import os, sys\nsys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname("
                    "os.path.abspath(__file__)), %r)))\nfrom probe import handler as %s\n") % (
                        "/".join([".."] * depth) or ".", name)
            files[path] = (files.get(path, b"").decode() + shim).encode()
        elif runtime.startswith("nodejs"):
            node.setdefault(module + ".js", set()).add(name)
    for path, names in node.items():
        rel = "/".join([".."] * path.count("/")) or "."
        body = "".join('exports[%s] = require("%s/probe-node.js").handler;\n' % (json.dumps(n), rel)
                       for n in sorted(names))
        files[path] = body.encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, ZIP_TIME)
            info.external_attr = (0o755 if path == "bootstrap" else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, files[path])
    return buf.getvalue()


IMAGE_KEY = "probe/image-functions.zip"
ENDPOINT = ["https://127.0.0.1:4566"]


LAYER_ARN = re.compile(r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+")


def stand_in_layers(aws, arns):
    """{layer version ARN: a stand-in layer of the same name published in this case's account}.
    The local AWS holds no other account's layers (AWS's public ones included), and checks
    lambda:GetLayerVersion on the named one, so the spec's ARN cannot be attached here."""
    out = {}
    for arn in sorted(set(arns)):
        name = arn.split(":")[6]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("python/updraft_stand_in_layer.py", "# stand-in for %s\n" % arn)
        r = aws("lambda").publish_layer_version(LayerName=name, Content={"ZipFile": buf.getvalue()},
                                                Description="stand-in for " + arn)
        out[arn] = r["LayerVersionArn"]
    if out:
        gap("the local AWS has no layers of other accounts (nor AWS's public ones): %d layer(s) "
            "replaced by a stand-in of the same name published in the case's account (%s)"
            % (len(out), ", ".join(sorted(out))))
    return out


def param_overrides(spec):
    """A value other than its default for every spec param, given at deploy, so that the
    suite sees a deploy-time input reach the functions: another allowed value, the default
    plus one, or a marked string."""
    out = {}
    for name, p in (spec.get("params") or {}).items():
        p = p or {}
        kind, default, allowed = p.get("type", "string"), p.get("default"), p.get("allowed") or []
        if allowed:
            others = [a for a in allowed if str(a) != str(default)]
            out[name] = str(others[-1] if others else allowed[0])
        elif kind == "number":
            out[name] = str((default or 0) + 1)
        elif kind == "list":
            out[name] = "probe-a,probe-b"
        else:
            out[name] = "probe-param-" + name.lower()
    return out


def param_env(spec):
    """(function, env key, param) for every env value that is exactly `${params.NAME}`, in
    `defaults` or a function's own env."""
    out = []
    shared = (spec.get("defaults") or {}).get("env") or {}
    for fn, f in (spec.get("functions") or {}).items():
        env = {**shared, **((f or {}).get("env") or {})}
        for key, value in env.items():
            m = re.fullmatch(r"\$\{params\.([A-Za-z0-9]+)\}", str(value))
            if m:
                out.append((fn, key, m.group(1)))
    return out


def check_params(aws, spec, tables, given):
    """Each function's env as deployed: a value that is a param holds the value given at deploy."""
    checked = []
    for fn, key, param in param_env(spec):
        err, body = invoke(aws, tables[fn]["role"], {"env?": True})
        try:
            seen = json.loads(body).get(key)
        except Exception:
            seen = None
        want = given.get(param)
        checked.append({"function": fn, "env": key, "param": param, "given": want, "seen": seen})
        if seen != want:
            finding("param %s given %r at deploy: function %s sees %s=%r" % (param, want, fn, key, seen))
    report["params"] = checked
    if given and not checked:
        finding("the spec has params but no env value the suite could check")


def prepare_cfn(out, aws, bucket, given=None):
    """Rewrite image functions (the local AWS has no container runtime) and return
    (template, parameters, code references)."""
    template = json.load(open(os.path.join(out, "template.json")))
    refs = cfn_code_refs(template)
    images = [lid for lid, kind, *_ in refs if kind == "image"]
    if images:
        gap("image functions cannot run in the local AWS (no container runtime): %d deployed as the "
            "probe zip on python3.12 instead (PackageType, Code, Runtime, Handler rewritten)" % len(images))
    for lid in images:
        p = template["Resources"][lid]["Properties"]
        p.pop("PackageType", None)
        p.pop("ImageConfig", None)
        p["Code"] = {"S3Bucket": bucket, "S3Key": IMAGE_KEY}
        p["Runtime"] = "python3.12"
        p["Handler"] = "probe.handler"
    functions = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    layers = stand_in_layers(aws, [l for p in functions for l in p.get("Layers", [])])
    for p in functions:
        if "Layers" in p:
            p["Layers"] = [layers[l] for l in p["Layers"]]
    params = []
    for k, v in template.get("Parameters", {}).items():
        if k == "ArtifactBucket":
            params.append({"ParameterKey": k, "ParameterValue": bucket})
        elif k in (given or {}):
            params.append({"ParameterKey": k, "ParameterValue": given[k]})
        elif "Default" not in v:
            params.append({"ParameterKey": k, "ParameterValue": "probe-unused"})
    return template, params, cfn_code_refs(template)


def prepare_tf(out, aws, bucket):
    path = os.path.join(out, "main.tf")
    text = open(path).read()
    for arn, local in stand_in_layers(aws, LAYER_ARN.findall(text)).items():
        text = text.replace('"%s"' % arn, '"%s"' % local)
    images = 0
    for name, s, e in reversed(tf_blocks(text, "aws_lambda_function")):
        block = text[s:e]
        if re.search(r'package_type\s*=\s*"Image"', block):
            images += 1
            block = re.sub(r'\n\s*package_type\s*=\s*"Image"', "", block)
            block = re.sub(r'\n(\s*)image_uri\s*=\s*[^\n]*',
                           lambda m: '\n%ss3_bucket = "%s"\n%ss3_key = "%s"\n%sruntime = "python3.12"\n%shandler = "probe.handler"'
                           % ((m.group(1), bucket) + (m.group(1), IMAGE_KEY) + (m.group(1),) * 2), block)
            block = re.sub(r'\n\s*image_config \{.*?\n\s*\}', "", block, flags=re.S)
            text = text[:s] + block + text[e:]
    if images:
        gap("image functions cannot run in the local AWS (no container runtime): %d deployed as the "
            "probe zip on python3.12 instead (package_type, image_uri rewritten)" % images)
    open(path, "w").write(text)
    return tf_code_refs(out)


def upload_code(aws, bucket, refs, tables, version, python, out):
    handlers = [(rt, hd) for _, kind, _, rt, hd in refs if kind in ("zip", "file")]
    handlers.append(("python3.12", "probe.handler"))
    data = probe_zip(tables, handlers, version, python)
    keys = sorted({key for _, kind, key, *_ in refs if kind == "zip"} | {IMAGE_KEY})
    for key in keys:
        aws("s3").put_object(Bucket=bucket, Key=key, Body=data)
    for _, kind, path, *_ in refs:
        if kind == "file":
            full = os.path.join(out, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            open(full, "wb").write(data)
    for lid, kind, *_ in refs:
        if kind == "unknown":
            finding("function %s: no code reference the harness understands" % lid)
    return keys


# ------------------------------------------------------------------ external inputs of the spec

def seed_secrets(aws, spec):
    created = []
    for name, s in (spec.get("secrets") or {}).items():
        store = s.get("store", "secrets_manager")
        physical = s.get("name", name)
        if store == "ssm":
            try:
                aws("ssm").put_parameter(Name=physical, Value="probe-value", Type="SecureString", Overwrite=True)
            except Exception as e:
                gap("ssm put_parameter failed: %s" % e)
        else:
            try:
                aws("secretsmanager").create_secret(Name=physical, SecretString=json.dumps({"probe": "value"}))
            except aws("secretsmanager").exceptions.ResourceExistsException:
                pass
        created.append((store, physical))
    return created


# ------------------------------------------------------------------ deploy engines

def cfn_deploy(aws, stack, template, params, op="create"):
    cfn = aws("cloudformation")
    body = json.dumps(template)
    kw = dict(StackName=stack, TemplateBody=body, Parameters=params,
              Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"])
    if op == "create":
        cfn.create_stack(**kw)
    else:
        cfn.update_stack(**kw)
    return cfn_wait(aws, stack)


def cfn_wait(aws, stack, timeout=600):
    cfn = aws("cloudformation")
    end = time.time() + timeout
    while time.time() < end:
        try:
            s = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        except Exception as e:
            if "does not exist" in str(e):
                return "DELETE_COMPLETE", []
            raise
        status = s["StackStatus"]
        if not status.endswith("IN_PROGRESS"):
            failures = []
            if "FAILED" in status or "ROLLBACK" in status:
                for ev in cfn.describe_stack_events(StackName=stack)["StackEvents"]:
                    if "FAILED" in ev.get("ResourceStatus", ""):
                        failures.append("%s %s: %s" % (ev["LogicalResourceId"], ev["ResourceStatus"],
                                                       ev.get("ResourceStatusReason", "")))
            return status, failures
        time.sleep(1)
    return "TIMEOUT", []


def cfn_resources(aws, stack):
    out = []
    for page in aws("cloudformation").get_paginator("list_stack_resources").paginate(StackName=stack):
        out += page["StackResourceSummaries"]
    return out


class Terraform:
    def __init__(self, args, aws, out):
        self.dir = out
        self.env = {**aws.env(), "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1",
                    "TF_CLI_CONFIG_FILE": os.path.join(args.kit, "data/terraform/terraformrc"),
                    "TF_PLUGIN_CACHE_DIR": "", "TF_DATA_DIR": os.path.join(out, ".terraform")}
        self.env.pop("TF_PLUGIN_CACHE_DIR")
        self.bin = shutil.which("terraform")
        self.account = aws.account
        self.endpoint = aws.endpoint

    def provider(self):
        services = ["apigatewayv2", "cloudwatch", "cognitoidp", "dynamodb", "events", "iam", "iot", "lambda",
                    "logs", "s3", "scheduler", "secretsmanager", "sns", "sqs", "ssm", "sts"]
        eps = "\n".join('    %s = "%s"' % (s, self.endpoint) for s in services)
        text = ('# written by tests/probe/drive.py: the local AWS, account %s\nprovider "aws" {\n'
                '  region = "%s"\n  access_key = "%s"\n  secret_key = "test"\n'
                '  skip_credentials_validation = true\n  skip_metadata_api_check = true\n'
                '  skip_requesting_account_id = true\n  s3_use_path_style = true\n  insecure = true\n'
                '  endpoints {\n%s\n  }\n}\n') % (self.account, REGION, self.account, eps)
        open(os.path.join(self.dir, "local_aws_provider.tf"), "w").write(text)

    def __call__(self, *a, check=True):
        return run([self.bin] + list(a) + ["-no-color"], cwd=self.dir, env=self.env, check=check)

    def vars(self, bucket, given=None):
        vs = tf_variables(self.dir)
        out = []
        for k, v in vs.items():
            if k == "artifact_bucket":
                out += ["-var", "%s=%s" % (k, bucket)]
            elif k in (given or {}):
                value = given[k]
                if "," in value:  # a list(string) variable
                    value = json.dumps(value.split(","))
                out += ["-var", "%s=%s" % (k, value)]
            elif v is None:
                out += ["-var", "%s=probe-unused" % k]
        return out


def tf_retained(out):
    """Addresses of the resources the configuration keeps on destroy (prevent_destroy)."""
    text = open(os.path.join(out, "main.tf")).read()
    out = []
    for m in re.finditer(r'^resource "(\w+)" "([\w-]+)" \{\n', text, re.M):
        end = text.index("\n}\n", m.end())
        if re.search(r"prevent_destroy\s*=\s*true", text[m.end():end]):
            out.append("%s.%s" % (m.group(1), m.group(2)))
    return out


# ------------------------------------------------------------------ what is deployed

def inventory(aws, artifact_bucket):
    inv = {"region": REGION, "account": aws.account, "tables": {}, "queues": {}, "topics": {}, "buckets": {},
           "secrets": {}, "parameters": {}, "functions": {}, "log_groups": {}}
    ddb = aws("dynamodb")
    for name in ddb.list_tables().get("TableNames", []):
        d = ddb.describe_table(TableName=name)["Table"]
        types = {a["AttributeName"]: a["AttributeType"] for a in d.get("AttributeDefinitions", [])}
        keys = [{"name": k["AttributeName"], "type": types.get(k["AttributeName"], "S")}
                for k in sorted(d["KeySchema"], key=lambda k: k["KeyType"] != "HASH")]
        idx = {}
        for i in d.get("GlobalSecondaryIndexes", []) + d.get("LocalSecondaryIndexes", []):
            idx[i["IndexName"]] = [{"name": k["AttributeName"], "type": types.get(k["AttributeName"], "S")}
                                   for k in sorted(i["KeySchema"], key=lambda k: k["KeyType"] != "HASH")]
        inv["tables"][name] = {"arn": d["TableArn"], "keys": keys, "indexes": idx,
                               "stream_arn": d.get("LatestStreamArn")}
    sqs = aws("sqs")
    for url in sqs.list_queues().get("QueueUrls", []):
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        name = arn.split(":")[-1]
        if name.startswith("probe-"):
            continue
        inv["queues"][name] = {"arn": arn, "url": url}
    for t in aws("sns").list_topics().get("Topics", []):
        pol = aws("sns").get_topic_attributes(TopicArn=t["TopicArn"])["Attributes"].get("Policy", "")
        inv["topics"][t["TopicArn"].split(":")[-1]] = {"arn": t["TopicArn"],
                                                       "default_policy": "__default_statement_ID" in pol}
    for b in aws("s3").list_buckets().get("Buckets", []):
        if b["Name"] != artifact_bucket:
            public = False
            try:
                pol = json.loads(aws("s3").get_bucket_policy(Bucket=b["Name"])["Policy"])
                public = any(st.get("Effect") == "Allow" and st.get("Principal") in ("*", {"AWS": "*"})
                             for st in pol.get("Statement", []))
            except Exception:
                pass
            inv["buckets"][b["Name"]] = {"arn": "arn:aws:s3:::" + b["Name"], "public_read": public}
    for s in aws("secretsmanager").list_secrets().get("SecretList", []):
        inv["secrets"][s["Name"]] = {"arn": s["ARN"]}
    for p in aws("ssm").describe_parameters().get("Parameters", []):
        name = p["Name"]
        inv["parameters"][name] = {"arn": "arn:aws:ssm:%s:%s:parameter/%s" % (REGION, aws.account, name.lstrip("/"))}
    for page in aws("lambda").get_paginator("list_functions").paginate():
        for f in page["Functions"]:
            inv["functions"][f["FunctionName"]] = {"arn": f["FunctionArn"], "role": f["Role"],
                                                   "log_group": (f.get("LoggingConfig") or {}).get("LogGroup")
                                                   or "/aws/lambda/" + f["FunctionName"]}
    for g in aws("logs").describe_log_groups().get("logGroups", []):
        inv["log_groups"][g["logGroupName"]] = {"arn": g["arn"].rstrip("*").rstrip(":")}
    return inv


def seed_buckets(aws, inv, tables):
    prefixes = {}
    for t in tables.values():
        for st in t["statements"]:
            for r in st["resources"]:
                if r.startswith("arn:aws:s3:::") and "/" in r:
                    b, _, k = r[len("arn:aws:s3:::"):].partition("/")
                    prefixes.setdefault(b, set()).add(k.rstrip("*"))
    for b in inv["buckets"]:
        for p in {""} | set().union(*[v for k, v in prefixes.items() if re.fullmatch(k.replace("*", ".*"), b)] or [set()]):
            aws("s3").put_object(Bucket=b, Key=p + "probe-seed.txt", Body=b"seed")


# ------------------------------------------------------------------ exercising

def invoke(aws, fn, payload, kind="RequestResponse"):
    r = aws.invoker().invoke(FunctionName=fn, InvocationType=kind, Payload=json.dumps(payload).encode())
    body = r["Payload"].read() if "Payload" in r else b""
    return r.get("FunctionError"), body


def classify(results, inv):
    """Results the local AWS cannot decide become `unsupported`, each with its gap."""
    for r in results:
        if r["outcome"] == "unperformed" and r["action"].startswith("logs:") and r["kind"] == "log_group":
            r["outcome"] = "unsupported"
            gap("a function's own CloudWatch Logs calls never return in the local AWS while it runs "
                "(the group is held by the invocation): granted logs:CreateLogStream/PutLogEvents "
                "not performed by the probe (the platform's own log lines prove delivery)")
        if r["outcome"] == "error" and r["code"] in ("EndpointConnectionError", "ConnectTimeoutError",
                                                     "ReadTimeoutError", "ConnectionClosedError"):
            r["outcome"] = "unreachable"
        if (r["expect"] == "allow" and r["outcome"] == "denied" and r["action"] in (
                "dynamodb:DescribeStream", "dynamodb:GetShardIterator", "dynamodb:GetRecords")):
            r["outcome"] = "unsupported"
            gap("the local AWS authorizes DynamoDB Streams calls against resource `*` (it reads a "
                "table name only from TableName/RequestItems): the grant on table/NAME/stream/* is "
                "refused (granted %s not provable)" % r["action"])
        if r["expect"] == "allow" and r["outcome"] == "denied" and "on resource: *" in r["message"]:
            r["outcome"] = "unsupported"
            gap("the local AWS authorizes %s against resource `*`, not the named resource's ARN: "
                "a grant scoped to the resource is refused (granted %s not provable)"
                % (r["action"], r["action"]))
        if (r["expect"] == "deny" and r["outcome"] == "ok" and r["kind"] == "topic"
                and inv["topics"].get(r["resource"], {}).get("default_policy")):
            r["outcome"] = "unsupported"
            gap("the local AWS's default topic policy (Principal *, AWS:SourceOwner = the account) "
                "lets every role of the account call %s: it sets AWS:SourceOwner for IAM callers, "
                "AWS does not (neighbour %s not provable)" % (r["action"], r["action"]))
        if r["outcome"] == "error" and r["code"] in ("400", "404", "501") and not r["message"]:
            r["outcome"] = "unsupported"
            gap("%s is not emulated (the call answers %s): granted %s not provable"
                % (r["action"].split(":")[0], r["code"], r["action"]))
    return results


def probe_function(aws, fn, inv):
    """Every result of the probe of `fn`, or None after a finding."""
    # a warm worker, its SDK loaded and clients made: cold starts eat short timeouts
    for _ in range(3):
        err, body = invoke(aws, fn, {"probe": True, "dry": True, "inventory": inv, "slice": [0, 1000]})
        if not err:
            break
    # a few operations per invocation, so that the probe fits the function's own timeout
    # on a loaded machine
    results, start, total, step_size = [], 0, None, 5
    while total is None or start < total:
        for _ in range(4):
            err, body = invoke(aws, fn, {"probe": True, "inventory": inv, "tag": uuid.uuid4().hex[:10],
                                         "slice": [start, start + step_size]})
            if not (err and b"timed out" in body):
                break
            step_size = max(1, step_size // 2)  # fewer operations per call, same function timeout
            gap("a probe invocation timed out under load (function timeout as compiled) and was run "
                "again with fewer operations")
        if err:
            finding("probe of %s failed: %s" % (fn, body[:600].decode(errors="replace")))
            return None
        part = json.loads(body)
        total = part["total"]
        results += part["results"]
        start += step_size
    return classify(results, inv)


def probe_all(aws, inv, tables):
    def one(spec_fn):
        t = tables[spec_fn]
        fn = t["role"]
        if fn not in inv["functions"]:
            finding("function %s (%s) is not deployed" % (spec_fn, fn))
            return
        results = probe_function(aws, fn, inv)
        if results is None:
            return
        res = {"results": results}
        with _lock:
            for r in res["results"]:
                r["function"] = spec_fn
                report["probes"].append(r)
        return res

    with cf.ThreadPoolExecutor(2) as ex:
        list(ex.map(one, sorted(tables)))


def log_hits(aws, group, needle, since_ms):
    logs = aws("logs")
    hits = []
    try:
        kw = dict(logGroupName=group, startTime=since_ms, filterPattern='"%s"' % needle)
        while True:
            r = logs.filter_log_events(**kw)
            hits += [e["message"] for e in r.get("events", []) if needle in e["message"]]
            if not r.get("nextToken"):
                break
            kw["nextToken"] = r["nextToken"]
    except Exception as e:
        if "ResourceNotFound" not in str(e):
            raise
    return hits


def wait_for(aws, group, needle, since_ms, timeout, want=1):
    end = time.time() + timeout
    while True:
        hits = [h for h in log_hits(aws, group, needle, since_ms) if "PROBE-EVENT" in h]
        if len(hits) >= want or time.time() > end:
            return hits
        time.sleep(1.5)


def physical(inv_group, spec_name):
    """The deployed resource of spec resource `spec_name` among `inv_group` names."""
    cands = [n for n in inv_group if re.search(r"(^|[-/])%s($|[-.])" % re.escape(spec_name), n)]
    cands.sort(key=len)
    return cands[0] if cands else None


def trigger_cases(spec, tables, inv):
    """[(function physical, kind, description, action, expect, needle)] with deferred actions."""
    cases = []
    for spec_fn, f in (spec.get("functions") or {}).items():
        fn = tables[spec_fn]["role"]
        for ev in f.get("events") or []:
            (kind, body), = ev.items()
            cases.append((spec_fn, fn, kind, body))
    return cases


def exercise_triggers(aws, spec, tables, inv):
    since = int(time.time() * 1000) - 2000
    jobs = []
    aws_lock = threading.Lock()

    def record(fn, kind, what, expect, hits, started, note=""):
        ok = (len(hits) > 0) == expect
        row = {"function": fn, "trigger": kind, "what": what, "expect": "reached" if expect else "not reached",
               "reached": len(hits) > 0, "ok": ok, "seconds": round(time.time() - started, 1)}
        if note:
            row["note"] = note
        with _lock:
            report["triggers"].append(row)
        say("trigger", kind, what, "->", "reached" if hits else "not reached", "OK" if ok else "WRONG")

    def queue_job(spec_fn, fn, group, body):
        say("exercise queue of", fn)
        qname = physical(inv["queues"], body["name"] if isinstance(body, dict) else body)
        started = time.time()
        if not qname:
            finding("queue trigger of %s: queue %s not deployed" % (fn, body))
            return
        q = inv["queues"][qname]
        needle = "qt" + uuid.uuid4().hex[:12]
        kw = {"MessageGroupId": "probe", "MessageDeduplicationId": needle} if qname.endswith(".fifo") else {}
        aws("sqs").send_message(QueueUrl=q["url"], MessageBody="PROBE-TRIGGER " + needle, **kw)
        record(fn, "queue", qname, True, wait_for(aws, group, needle, since, 60), started)

    def topic_job(spec_fn, fn, group, body):
        say("exercise topic of", fn)
        tname = physical(inv["topics"], body["name"] if isinstance(body, dict) else body)
        started = time.time()
        if not tname:
            finding("topic trigger of %s: topic %s not deployed" % (fn, body))
            return
        arn = inv["topics"][tname]["arn"]
        filt = body.get("filter") if isinstance(body, dict) else None
        needle = "tt" + uuid.uuid4().hex[:12]
        attrs = {}
        for k, vals in (filt or {}).items():
            v = vals[0] if isinstance(vals, list) else vals
            attrs[k] = {"DataType": "String", "StringValue": str(v)}
        kw = {"MessageGroupId": "probe", "MessageDeduplicationId": needle} if tname.endswith(".fifo") else {}
        aws("sns").publish(TopicArn=arn, Message="PROBE-TRIGGER " + needle, MessageAttributes=attrs, **kw)
        miss = None
        if filt:
            miss = "tn" + uuid.uuid4().hex[:12]
            kw2 = {"MessageGroupId": "probe", "MessageDeduplicationId": miss} if tname.endswith(".fifo") else {}
            aws("sns").publish(TopicArn=arn, Message="PROBE-TRIGGER " + miss, **kw2)
        record(fn, "topic", tname + (" (filter matches)" if filt else ""), True,
               wait_for(aws, group, needle, since, 60), started)
        if miss:
            time.sleep(3)
            record(fn, "topic", tname + " (filter does not match)", False, wait_for(aws, group, miss, since, 0), started)

    def bucket_job(spec_fn, fn, group, body):
        say("exercise bucket of", fn)
        bname = physical(inv["buckets"], body["name"])
        started = time.time()
        if not bname:
            finding("bucket trigger of %s: bucket %s not deployed" % (fn, body["name"]))
            return
        prefix = body.get("prefix", "")
        suffix = body.get("suffix", "")
        on = body.get("on", "created")
        needle = "bt" + uuid.uuid4().hex[:12]
        miss = "bn" + uuid.uuid4().hex[:12]
        key = prefix + needle + (suffix or ".bin")
        if suffix:
            mkey = prefix + miss + ".nomatch"
        elif prefix:
            mkey = "probe-outside/" + miss + ".bin"
        else:
            mkey = None
        s3 = aws("s3")
        s3.put_object(Bucket=bname, Key=key, Body=b"probe")
        if mkey:
            s3.put_object(Bucket=bname, Key=mkey, Body=b"probe")
        if on == "removed":
            s3.delete_object(Bucket=bname, Key=key)
            if mkey:
                s3.delete_object(Bucket=bname, Key=mkey)
        what = "%s %s key %s" % (bname, on, key)
        record(fn, "bucket", what, True, wait_for(aws, group, needle, since, 60), started)
        if mkey:
            time.sleep(3)
            record(fn, "bucket", "%s %s key %s (filter does not match)" % (bname, on, mkey), False,
                   wait_for(aws, group, miss, since, 0), started)

    def table_job(spec_fn, fn, group, body):
        say("exercise table of", fn)
        tname = physical(inv["tables"], body["name"] if isinstance(body, dict) else body)
        started = time.time()
        if not tname:
            finding("table trigger of %s: table %s not deployed" % (fn, body))
            return
        t = inv["tables"][tname]
        needle = "st" + uuid.uuid4().hex[:12]
        item = {}
        for k in t["keys"]:
            item[k["name"]] = {"S": needle} if k["type"] == "S" else ({"N": "7"} if k["type"] == "N" else {"B": needle.encode()})
        item["probe"] = {"S": needle}
        aws("dynamodb").put_item(TableName=tname, Item=item)
        record(fn, "table stream", tname, True, wait_for(aws, group, needle, since, 60), started)

    def schedule_job(spec_fn, fn, group, body):
        say("exercise schedule of", fn)
        started = time.time()
        arn = inv["functions"][fn]["arn"]
        # a function may have several schedules: the one of this event has its expression
        want = body.get("expression") if isinstance(body, dict) else body
        enabled = body.get("enabled", True) if isinstance(body, dict) else True
        found, fallback = None, None
        ev = aws("events")
        for rule in ev.list_rules().get("Rules", []):
            for tg in ev.list_targets_by_rule(Rule=rule["Name"]).get("Targets", []):
                if tg["Arn"] == arn and rule.get("ScheduleExpression"):
                    fallback = ("rule", rule)
                    if rule["ScheduleExpression"] == want:
                        found = fallback
        sch = aws("scheduler")
        try:
            for s in sch.list_schedules().get("Schedules", []):
                d = sch.get_schedule(Name=s["Name"], GroupName=s.get("GroupName", "default"))
                if d["Target"]["Arn"] == arn:
                    fallback = ("schedule", d)
                    if d["ScheduleExpression"] == want:
                        found = fallback
        except Exception as e:
            gap("scheduler ListSchedules: %s" % e)
        found = found or fallback
        if not found:
            finding("schedule of %s: no EventBridge rule or Scheduler schedule targets it" % fn)
            return
        if not enabled:
            # `enabled: false`: deployed switched off. Its state is read back rather than waited
            # on: another schedule of the same function may fire into the same log group.
            state = found[1].get("State")
            record(fn, "schedule", "%s %s (enabled: false, deployed %s)" % (found[0], want, state), False,
                   [] if state == "DISABLED" else [state], started,
                   note="state read back: a disabled schedule fires nothing")
            return
        mark = int(time.time() * 1000)
        if found[0] == "rule":
            r = found[1]
            expr = r["ScheduleExpression"]
            ev.put_rule(Name=r["Name"], ScheduleExpression="rate(1 minute)", State="ENABLED")
        else:
            d = found[1]
            expr = d["ScheduleExpression"]
            kw = {k: d[k] for k in ("Name", "GroupName", "Target", "FlexibleTimeWindow", "State") if k in d}
            sch.update_schedule(ScheduleExpression="rate(1 minute)", **kw)
        gap("schedules fire in real time: the suite sets each deployed schedule to rate(1 minute) "
            "(target, role and permission as compiled) and waits for it")
        hits = wait_for(aws, group, "Scheduled Event", mark, 150)
        record(fn, "schedule", "%s %s (as rate(1 minute))" % (found[0], expr), True, hits, started)

    def iot_job(spec_fn, fn, group, body):
        say("exercise iot of", fn)
        started = time.time()
        try:
            rules = aws("iot").list_topic_rules().get("rules", [])
        except Exception as e:
            gap("iot ListTopicRules: %s" % e)
            return
        if not rules:
            finding("iot trigger of %s: no topic rule deployed" % fn)
            return
        sql = body.get("sql") or "SELECT * FROM '%s'" % body.get("topic")
        m = re.search(r"FROM\s+'([^']+)'", sql, re.I)
        topic = m.group(1).replace("+", "probe-device").replace("#", "probe")
        hot = "it" + uuid.uuid4().hex[:12]
        cold = "ic" + uuid.uuid4().hex[:12]
        data = aws("iot-data")
        try:
            data.publish(topic=topic, qos=0, payload=json.dumps({"temp": 99, "probe": hot}).encode())
            data.publish(topic=topic, qos=0, payload=json.dumps({"temp": 1, "probe": cold}).encode())
        except Exception as e:
            gap("iot-data Publish: %s" % e)
            return
        hits = wait_for(aws, group, hot, since, 45)
        if not hits:
            wired = []
            for r in rules:
                d = aws("iot").get_topic_rule(ruleName=r["ruleName"])["rule"]
                if any((a.get("lambda") or {}).get("functionArn") == inv["functions"][fn]["arn"]
                       for a in d.get("actions", [])):
                    wired.append(r["ruleName"])
            if wired:
                gap("IoT topic rules do not run on an iot-data Publish here (200, no rule action, "
                    "nothing logged): rule(s) %s target %s as compiled, delivery not provable" % (wired, fn))
                return
        record(fn, "iot", "%s (reading with temp 99)" % topic, True, hits, started)
        if "WHERE" in sql.upper():
            record(fn, "iot", "%s (temp 1: the rule's WHERE does not match)" % topic, False,
                   wait_for(aws, group, cold, since, 0), started)

    def http_jobs():
        rows = []
        try:
            apis = aws("apigatewayv2").get_apis().get("Items", [])
        except Exception as e:
            gap("apigatewayv2 GetApis: %s" % e)
            return
        ctx = ssl.create_default_context(cafile=aws.ca)
        want = {}
        for spec_fn, f in (spec.get("functions") or {}).items():
            for ev in f.get("events") or []:
                if "http" in ev:
                    want[ev["http"]["route"]] = tables[spec_fn]["role"]
        seen = set()
        for api in apis:
            routes = aws("apigatewayv2").get_routes(ApiId=api["ApiId"]).get("Items", [])
            for r in routes:
                key = r["RouteKey"]
                seen.add(key)
                method, _, path = key.partition(" ")
                path = re.sub(r"\{[^}]+\}", "probe-id", path)
                # the local AWS finds an API only in the account of the request's credentials: name
                # it in the query (presigned-URL style), which leaves the Authorization header free
                url = "%s/_aws/execute-api/%s/$default%s?X-Amz-Credential=%s/20260101/%s/execute-api/aws4_request" % (
                    aws.endpoint, api["ApiId"], path, aws.account, REGION)
                req = urllib.request.Request(url, method=method, data=b"{}" if method in ("POST", "PUT") else None,
                                             headers={"content-type": "application/json"})
                try:
                    with urllib.request.urlopen(req, context=ctx, timeout=60) as resp:
                        status, text = resp.status, resp.read().decode(errors="replace")
                except urllib.error.HTTPError as e:
                    status, text = e.code, e.read().decode(errors="replace")
                auth = r.get("AuthorizationType", "NONE")
                fn = want.get(key)
                if auth == "NONE":
                    ok = status == 200 and fn is not None and fn in text
                    expect = "200 from %s" % fn
                else:
                    ok = status in (401, 403)
                    expect = "401 without a token (%s)" % auth
                rows.append({"route": key, "api": api["Name"], "auth": auth, "status": status, "expect": expect,
                             "ok": ok, "body": text[:200]})
                say("route", key, auth, status, "OK" if ok else "WRONG")
        for key, fn in want.items():
            if key not in seen:
                rows.append({"route": key, "api": "", "auth": "", "status": 0, "expect": "deployed", "ok": False,
                             "body": "route not deployed"})
        with _lock:
            report["routes"] += rows

    handlers = {"queue": queue_job, "topic": topic_job, "bucket": bucket_job, "table": table_job,
                "schedule": schedule_job, "iot": iot_job}
    with cf.ThreadPoolExecutor(8) as ex:
        futs = [ex.submit(http_jobs)]
        for spec_fn, fn, kind, body in trigger_cases(spec, tables, inv):
            if kind == "http":
                continue
            if kind not in handlers:
                gap("trigger kind %s not exercised" % kind)
                continue
            group = inv["functions"].get(fn, {}).get("log_group", "/aws/lambda/" + fn)
            futs.append(ex.submit(handlers[kind], spec_fn, fn, group, body))
        futs.append(ex.submit(dead_letters, aws, spec, tables, inv))
        for f in futs:
            try:
                f.result()
            except Exception as e:
                finding("exercise step failed: %r" % e)


def dead_letters(aws, spec, tables, inv):
    def one(spec_fn, f):
        fn = tables[spec_fn]["role"]
        target = f["dead_letter"]
        started = time.time()
        needle = "dl" + uuid.uuid4().hex[:12]
        retries = f.get("retries", 2)
        qname = physical(inv["queues"], target)
        tname = None if qname else physical(inv["topics"], target)
        listen = None
        if qname:
            listen = inv["queues"][qname]["url"]
        elif tname:
            qn = "probe-dlq-listener-" + uuid.uuid4().hex[:6]
            listen = aws("sqs").create_queue(QueueName=qn)["QueueUrl"]
            qarn = aws("sqs").get_queue_attributes(QueueUrl=listen, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            aws("sqs").set_queue_attributes(QueueUrl=listen, Attributes={"Policy": json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
                    "Resource": qarn, "Condition": {"ArnEquals": {"aws:SourceArn": inv["topics"][tname]["arn"]}}}]})})
            aws("sns").subscribe(TopicArn=inv["topics"][tname]["arn"], Protocol="sqs", Endpoint=qarn,
                                 Attributes={"RawMessageDelivery": "true"})
        else:
            finding("dead letter %s of %s is not deployed" % (target, fn))
            return
        aws("lambda").invoke(FunctionName=fn, InvocationType="Event",
                             Payload=json.dumps({"PROBE-FAIL": needle}).encode())
        arrived = False
        # Up to 5 minutes: the platform retries a failed asynchronous event twice, with backoff,
        # before the destination receives it; on a loaded 2-core machine the third attempt alone
        # has been seen to end 120 s after the invocation (the wait ends as soon as it arrives).
        end = time.time() + 300
        while time.time() < end and not arrived:
            r = aws("sqs").receive_message(QueueUrl=listen, MaxNumberOfMessages=10, WaitTimeSeconds=2)
            for m in r.get("Messages", []):
                if needle in m["Body"]:
                    arrived = True
                    aws("sqs").delete_message(QueueUrl=listen, ReceiptHandle=m["ReceiptHandle"])
        group = inv["functions"].get(fn, {}).get("log_group", "/aws/lambda/" + fn)
        attempts = len(wait_for(aws, group, needle, int(started * 1000) - 2000, 0))
        row = {"function": fn, "dead_letter": qname or tname, "arrived": arrived, "attempts": attempts,
               "expected_attempts": retries + 1, "seconds": round(time.time() - started, 1)}
        row["ok"] = arrived
        if arrived and attempts != retries + 1:
            gap("async retries: %s ran %d time(s) before its dead letter, the spec asks %d (%d retries)"
                % (fn, attempts, retries + 1, retries))
        with _lock:
            report["dead_letters"].append(row)
        say("dead letter", fn, "->", qname or tname, "arrived" if arrived else "NOT arrived", "attempts", attempts)

    with cf.ThreadPoolExecutor(4) as ex:
        for f in [ex.submit(one, n, f) for n, f in (spec.get("functions") or {}).items() if f.get("dead_letter")]:
            f.result()


# ------------------------------------------------------------------ teardown

def leftovers(aws, artifact_bucket, secrets):
    """What is left in the account: (kind, name)."""
    left = set()
    for n in aws("dynamodb").list_tables().get("TableNames", []):
        left.add(("table", n))
    for u in aws("sqs").list_queues().get("QueueUrls", []):
        if "/probe-" not in u:
            left.add(("queue", u.rsplit("/", 1)[-1]))
    for t in aws("sns").list_topics().get("Topics", []):
        left.add(("topic", t["TopicArn"].split(":")[-1]))
    for b in aws("s3").list_buckets().get("Buckets", []):
        if b["Name"] != artifact_bucket:
            left.add(("bucket", b["Name"]))
    for f in aws("lambda").list_functions().get("Functions", []):
        left.add(("function", f["FunctionName"]))
    for r in aws("iam").list_roles().get("Roles", []):
        left.add(("role", r["RoleName"]))
    for a in aws("apigatewayv2").get_apis().get("Items", []):
        left.add(("api", a["Name"]))
    for p in aws("cognito-idp").list_user_pools(MaxResults=60).get("UserPools", []):
        left.add(("user pool", p["Name"]))
    for r in aws("events").list_rules().get("Rules", []):
        left.add(("rule", r["Name"]))
    try:
        for s in aws("scheduler").list_schedules().get("Schedules", []):
            left.add(("schedule", s["Name"]))
    except Exception:
        pass
    for g in aws("logs").describe_log_groups().get("logGroups", []):
        left.add(("log group", g["logGroupName"]))
    for s in aws("secretsmanager").list_secrets().get("SecretList", []):
        if ("secrets_manager", s["Name"]) not in secrets:
            left.add(("secret", s["Name"]))
    return left


def purge(aws, left, artifact_bucket):
    """Delete what the tear-down left (retained data), so the next run starts clean."""
    s3 = aws("s3")
    for kind, name in sorted(left) + [("bucket", artifact_bucket)]:
        try:
            if kind == "bucket":
                for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
                    objs = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
                    if objs:
                        s3.delete_objects(Bucket=name, Delete={"Objects": objs})
                for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
                    objs = [{"Key": o["Key"]} for o in page.get("Contents", [])]
                    if objs:
                        s3.delete_objects(Bucket=name, Delete={"Objects": objs})
                s3.delete_bucket(Bucket=name)
            elif kind == "table":
                aws("dynamodb").delete_table(TableName=name)
            elif kind == "user pool":
                for p in aws("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]:
                    if p["Name"] == name:
                        aws("cognito-idp").delete_user_pool(UserPoolId=p["Id"])
        except Exception as e:
            say("purge", kind, name, "failed:", e)


# ------------------------------------------------------------------ the case

def change_code(src, spec):
    """Change every zip function's code in the copied app (one file added to each code folder),
    so that compile names new packages and the engines see new code. Returns the folders changed."""
    folders = set()
    for name, f in spec["functions"].items():
        f = f or {}
        if f.get("image"):
            continue
        code = f.get("code") or "."
        path = os.path.normpath(os.path.join(src, code))
        if os.path.isdir(path):
            folders.add(path)
        else:
            finding("update: function %s's code %r is not a folder the harness can change" % (name, code))
    for path in sorted(folders):
        with open(os.path.join(path, "probe-update.txt"), "w") as f:
            f.write("changed by the deployment suite's update step\n")
    return sorted(os.path.relpath(p, src) for p in folders)


def update_spec(spec):
    """The spec with one function added: a copy of the first function's code settings, no
    events, no uses."""
    spec = copy.deepcopy(spec)
    first = next(iter(spec["functions"].values()))
    added = {k: first[k] for k in ("handler", "image", "runtime", "code", "architecture") if k in first}
    added["description"] = "Added by the deployment suite's update step."
    spec["functions"]["probe-added"] = added
    return spec


def main():
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 PID`: where is it stuck?
    ap = argparse.ArgumentParser()
    ap.add_argument("--example", required=True)
    ap.add_argument("--engine", required=True, choices=["cloudformation", "terraform"])
    ap.add_argument("--stage")
    ap.add_argument("--updraft", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--account", required=True)
    ap.add_argument("--kit", required=True)
    ap.add_argument("--endpoint", default="https://127.0.0.1:4566")
    ap.add_argument("--ca", required=True)
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args()

    ENDPOINT[0] = args.endpoint
    aws = Aws(args.account, args.endpoint, args.ca)
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    src = os.path.join(work, "app")
    shutil.copytree(args.example, src)
    spec_path = os.path.join(src, "updraft.yaml")
    spec = load_spec(spec_path)
    app = spec["app"]
    report.update(example=os.path.basename(os.path.normpath(args.example)), engine=args.engine, stage=args.stage,
                  account=args.account)
    bucket = "probe-artifacts-%s" % args.account
    stack = "probe-%s%s" % (app, "-" + args.stage if args.stage else "")
    secrets = []
    tf = None
    deployed = False
    try:
        aws("s3").create_bucket(Bucket=bucket)
        secrets = seed_secrets(aws, spec)
        t = time.time()
        out = os.path.join(work, "out")
        compile_spec(args, spec_path, out)
        tables = access_tables(args, spec_path, spec)
        given = param_overrides(spec)
        step("compile", t)

        t = time.time()
        if args.engine == "cloudformation":
            template, params, refs = prepare_cfn(out, aws, bucket, given)
            upload_code(aws, bucket, refs, tables, "1", args.python, out)
            status, failures = cfn_deploy(aws, stack, template, params)
            deployed = True
            if status != "CREATE_COMPLETE":
                finding("CloudFormation create: %s %s" % (status, "; ".join(failures[:8])))
                raise SystemExit
            res = cfn_resources(aws, stack)
            report["resources"] = len(res)
            retained = [(r["ResourceType"], r["PhysicalResourceId"]) for r in res
                        if template["Resources"].get(r["LogicalResourceId"], {}).get("DeletionPolicy") == "Retain"]
        else:
            refs = prepare_tf(out, aws, bucket)
            upload_code(aws, bucket, refs, tables, "1", args.python, out)
            tf = Terraform(args, aws, out)
            tf.provider()
            tf("init", "-input=false")
            deployed = True
            p = tf("apply", "-auto-approve", "-input=false", "-parallelism=20", *tf.vars(bucket, given), check=False)
            if p.returncode != 0:
                finding("terraform apply failed: " + (p.stderr or p.stdout)[-3000:])
                raise SystemExit
            state = tf("state", "list").stdout.split()
            report["resources"] = len([s for s in state if not s.startswith("data.")])
            retained = tf_retained(out)
        report["deploy_seconds"] = round(time.time() - t, 1)
        step("deploy", t)

        t = time.time()
        inv = inventory(aws, bucket)
        seed_buckets(aws, inv, tables)
        probe_all(aws, inv, tables)
        check_params(aws, spec, tables, given)
        step("probe", t)

        t = time.time()
        exercise_triggers(aws, spec, tables, inv)
        step("triggers", t)

        # update: one function added, every function's code changed
        t = time.time()
        spec2 = update_spec(spec)
        with open(spec_path, "w") as f:
            f.write(yaml.safe_dump(spec2, sort_keys=False))
        upd = report["update"]
        upd["code_folders_changed"] = change_code(src, spec)
        out2 = os.path.join(work, "out2")
        compile_spec(args, spec_path, out2)
        tables2 = access_tables(args, spec_path, spec2)
        if args.engine == "cloudformation":
            template2, params2, refs2 = prepare_cfn(out2, aws, bucket, given)
            keys1 = sorted({k for _, kind, k, *_ in refs if kind == "zip"})
            keys2 = sorted({k for _, kind, k, *_ in refs2 if kind == "zip"})
            upload_code(aws, bucket, refs2, tables2, "2", args.python, out2)
            cfn = aws("cloudformation")
            cs = "probe-update-" + uuid.uuid4().hex[:6]
            cfn.create_change_set(StackName=stack, ChangeSetName=cs, TemplateBody=json.dumps(template2),
                                  Parameters=params2, ChangeSetType="UPDATE",
                                  Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"])
            for _ in range(120):
                d = cfn.describe_change_set(StackName=stack, ChangeSetName=cs)
                if d["Status"] in ("CREATE_COMPLETE", "FAILED"):
                    break
                time.sleep(1)
            changes = [c["ResourceChange"] for c in d.get("Changes", [])]
            upd["changes"] = [{"action": c["Action"], "resource": c["LogicalResourceId"],
                               "replacement": c.get("Replacement", ""),
                               "details": sorted({"%s %s %s%s" % (
                                   d.get("Evaluation", ""), d.get("ChangeSource", ""),
                                   d.get("Target", {}).get("Name") or d.get("Target", {}).get("Attribute", ""),
                                   " recreation:" + d["Target"]["RequiresRecreation"]
                                   if d.get("Target", {}).get("RequiresRecreation") else "")
                                   for d in c.get("Details", [])})} for c in changes]
            cfn.execute_change_set(StackName=stack, ChangeSetName=cs)
            status, failures = cfn_wait(aws, stack)
            upd["status"] = status
            if status != "UPDATE_COMPLETE":
                finding("CloudFormation update: %s %s" % (status, "; ".join(failures[:8])))
            res2 = cfn_resources(aws, stack)
            report["resources_after_update"] = len(res2)
            # a `Conditional` replacement is decided while the update runs: the physical ids tell
            ids1 = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in res}
            ids2 = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in res2}
            for c in upd["changes"]:
                if c["replacement"] == "Conditional":
                    c["physical_before"] = ids1.get(c["resource"])
                    c["physical_after"] = ids2.get(c["resource"])
                    if c["physical_before"] and c["physical_before"] == c["physical_after"]:
                        c["replacement"] = "Conditional, not replaced (physical id kept)"
            retained = [(r["ResourceType"], r["PhysicalResourceId"]) for r in res2
                        if template2["Resources"].get(r["LogicalResourceId"], {}).get("DeletionPolicy") == "Retain"]
        else:
            refs2 = prepare_tf(out2, aws, bucket)
            keys1 = sorted({k for _, kind, k, *_ in refs if kind in ("zip", "file")})
            keys2 = sorted({k for _, kind, k, *_ in refs2 if kind in ("zip", "file")})
            upload_code(aws, bucket, refs2, tables2, "2", args.python, out2)
            for name in os.listdir(out2):
                if name.endswith(".tf"):
                    shutil.copy(os.path.join(out2, name), os.path.join(out, name))
            # the new packages (probe v2) beside the module the state belongs to
            if os.path.isdir(os.path.join(out2, "packages")):
                shutil.copytree(os.path.join(out2, "packages"), os.path.join(out, "packages"), dirs_exist_ok=True)
            tf.provider()
            plan = tf("plan", "-input=false", "-out=update.plan", *tf.vars(bucket, given), check=False)
            if plan.returncode == 0:
                shown = json.loads(tf("show", "-json", "update.plan").stdout)
                upd["changes"] = [{"action": "+".join(c["change"]["actions"]), "resource": c["address"],
                                   "replacement": "True" if "delete" in c["change"]["actions"] else ""}
                                  for c in shown.get("resource_changes", []) if c["change"]["actions"] != ["no-op"]]
                p = tf("apply", "-auto-approve", "-input=false", "update.plan", check=False)
                upd["status"] = "applied" if p.returncode == 0 else "failed"
                if p.returncode != 0:
                    finding("terraform apply (update) failed: " + (p.stderr or p.stdout)[-2000:])
            else:
                finding("terraform plan (update) failed: " + plan.stderr[-2000:])
            state = tf("state", "list").stdout.split()
            report["resources_after_update"] = len([s for s in state if not s.startswith("data.")])
            retained = tf_retained(out)
        upd["code_keys_before"] = keys1
        upd["code_keys_after"] = keys2
        removed = [c for c in upd.get("changes", []) if c["action"] in ("Remove", "delete")
                   or c["replacement"] in ("True", "Conditional")]
        upd["removed_or_replaced"] = removed
        inv2 = inventory(aws, bucket)
        added_fn = tables2["probe-added"]["role"]
        upd["function_added"] = added_fn in inv2["functions"]
        versions = {}
        for spec_fn in sorted(tables):
            fn = tables[spec_fn]["role"]
            err, body = invoke(aws, fn, {"version?": True})
            try:
                versions[spec_fn] = json.loads(body).get("version")
            except Exception:
                versions[spec_fn] = None
        upd["code_versions"] = versions
        images = sorted(f for f in versions if (spec["functions"][f] or {}).get("image"))
        if images:
            gap("image functions run the probe from one fixed key here: their code change (a new image "
                "tag) is not exercised (%s)" % ", ".join(images))
        stale = sorted(f for f, v in versions.items() if v != "2" and f not in images)
        upd["code_updated"] = not stale if len(images) < len(versions) else None
        if stale:
            finding("update: new code not running in %s after the update (code keys %s before, %s after: "
                    "the engine sees no change when the key does not change)" % (", ".join(stale), keys1, keys2))
        if upd["function_added"]:
            added = probe_function(aws, added_fn, inv2)
            if added is not None:
                for r in added:
                    r["function"] = "probe-added"
                    report["probes"].append(r)
        else:
            finding("update: the added function %s is not deployed" % added_fn)
        step("update", t)

        # teardown
        t = time.time()
        td = report["teardown"]
        if args.engine == "cloudformation":
            aws("cloudformation").delete_stack(StackName=stack)
            status, failures = cfn_wait(aws, stack)
            td["status"] = status
            if status != "DELETE_COMPLETE":
                finding("CloudFormation delete: %s %s" % (status, "; ".join(failures[:8])))
            expect_left = {(k, n) for k, n in retained}
        else:
            for addr in retained:
                tf("state", "rm", addr)
            p = tf("destroy", "-auto-approve", "-input=false", *tf.vars(bucket, given), check=False)
            td["status"] = "destroyed" if p.returncode == 0 else "failed"
            if p.returncode != 0:
                finding("terraform destroy failed: " + (p.stderr or p.stdout)[-2000:])
            expect_left = {tuple(addr.split(".", 1)) for addr in retained}
        left = leftovers(aws, bucket, secrets)
        td["left"] = sorted("%s %s" % kn for kn in left)
        td["retained_by_spec"] = sorted("%s %s" % kn for kn in expect_left)
        kinds_retained = {"table", "bucket", "user pool"}
        unexpected = sorted("%s %s" % kn for kn in left if kn[0] not in kinds_retained)
        td["unexpected"] = unexpected
        if unexpected:
            lg = [u for u in unexpected if u.startswith("log group ")]
            other = [u for u in unexpected if not u.startswith("log group ")]
            if other:
                finding("tear-down left resources the spec does not retain: " + ", ".join(other))
            if lg:
                gap("log groups the functions wrote to after deploy remain after tear-down: " + ", ".join(lg))
        td["retained_left"] = len(left) - len(unexpected)
        td["expected_retained"] = len(expect_left)
        if td["retained_left"] != len(expect_left):
            finding("tear-down: %d retained resource(s) left, the output retains %d" % (td["retained_left"], len(expect_left)))
        step("teardown", t)
        purge(aws, left, bucket)
        deployed = False
    except SystemExit:
        pass
    except Exception as e:
        import traceback
        finding("harness error: %s" % traceback.format_exc()[-3000:])
    finally:
        if deployed:
            try:
                if args.engine == "cloudformation":
                    aws("cloudformation").delete_stack(StackName=stack)
                    cfn_wait(aws, stack, 300)
                elif tf is not None:
                    for addr in tf_retained(os.path.join(work, "out")):
                        tf("state", "rm", addr, check=False)
                    tf("destroy", "-auto-approve", "-input=false", *tf.vars(bucket), check=False)
                purge(aws, leftovers(aws, bucket, secrets), bucket)
            except Exception as e:
                say("cleanup failed:", e)
        report["seconds"] = round(time.time() - T0, 1)
        print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
