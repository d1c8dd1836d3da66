"""Proof of `updraft deployer-policy` on the local AWS (IAM enforced for IAM users' keys).

    python deployer.py --example DIR --other DIR --engine terraform|cloudformation \
        --updraft BIN --work DIR --account ID --kit DIR --endpoint URL --ca FILE

With the account's admin credentials (the test pair), creates an IAM user whose only policy
is the example's deployer policy, then with that user's keys: deploys the example, updates it
(a second apply must see no change, so every refresh read is allowed) and tears it down;
then tries to deploy the other example's output and must be denied. CloudFormation: the same
through a stack service role whose only policy is the deployer policy (`--role-arn`), the
user allowed only the stack calls and `iam:PassRole` on that role.

Prints one JSON report on stdout: steps, each denial seen (action and resource, read from the
error text), and `ok` for each expectation. Logs on stderr.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

REGION = "us-east-1"
report = {"steps": [], "denials": [], "expect": {}, "gaps": []}


def say(*a):
    print(*a, file=sys.stderr, flush=True)


def run(cmd, cwd=None, env=None, timeout=1200):
    say("$", " ".join(cmd))
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    say(p.stdout[-3000:], p.stderr[-6000:])
    return p


DENIAL = re.compile(r"is not authorized to perform: ([\w-]+:\w+)(?: on resource: (\S+))?")


def denials(text):
    out = sorted({(m.group(1), (m.group(2) or "").rstrip(".,")) for m in DENIAL.finditer(text)})
    return [{"action": a, "resource": r} for a, r in out]


class Admin:
    def __init__(self, args):
        import boto3
        self.session = boto3.session.Session(aws_access_key_id=args.account, aws_secret_access_key="test",
                                             region_name=REGION)
        self.args = args

    def client(self, service, session=None):
        from botocore.config import Config
        return (session or self.session).client(service, endpoint_url=self.args.endpoint, verify=self.args.ca,
                                                config=Config(s3={"addressing_style": "path"}))


def compile_out(args, spec_dir, out, target):
    p = run([args.updraft, "compile", os.path.join(spec_dir, "updraft.yaml"), "--target", target, "--out", out])
    if p.returncode != 0:
        raise SystemExit("compile failed: " + p.stderr)


def deployer_policy(args, spec_dir, target, extra=()):
    p = run([args.updraft, "deployer-policy", os.path.join(spec_dir, "updraft.yaml"), "--target", target,
             "--region", REGION, "--account", args.account, *extra])
    if p.returncode != 0:
        raise SystemExit("deployer-policy failed: " + p.stderr)
    return p.stdout


# Where the local AWS evaluates a call on another resource than AWS does (it cannot read the
# resource from the request, so it checks "*", or it spells the ARN its own way). The user gets
# these in a second policy, each printed as a GAP; the deployer policy itself is never bent.
GAP_ANY = {
    "lambda:CreateFunction": "the local AWS checks CreateFunction on \"*\" (AWS: the new function's ARN)",
    "dynamodb:ListTagsOfResource": "the local AWS checks ListTagsOfResource on \"*\" (AWS: the table named by ResourceArn)",
    "sns:ListTagsForResource": "the local AWS checks ListTagsForResource on \"*\" (AWS: the topic named by ResourceArn)",
    "lambda:CreateEventSourceMapping": "the local AWS sets no `lambda:FunctionArn` condition key, so the deployer policy's condition on CreateEventSourceMapping never matches there (granted here without it)",
    "lambda:ListEventSourceMappings": "the local AWS authorizes GetEventSourceMapping as lambda:ListEventSourceMappings (AWS: lambda:GetEventSourceMapping on the mapping, which the deployer policy grants)",
    "cloudwatch:DescribeAlarms": "the local AWS checks DescribeAlarms on \"*\" (AWS: the alarms named by AlarmNames)",
    "events:ListTagsForResource": "the local AWS checks ListTagsForResource on \"*\" (AWS: the rule named by ResourceARN)",
}
# The same: the local AWS reads no resource from these requests (a `Rule`, `ResourceArn`,
# `ResourceARN` or `AlarmNames` field) and checks them on "*".
GAP_ANY.update({a: "the local AWS checks %s on \"*\" (AWS: the resource the request names)" % a for a in [
    "cloudwatch:DeleteAlarms", "cloudwatch:ListTagsForResource", "cloudwatch:TagResource",
    "cloudwatch:UntagResource", "dynamodb:TagResource", "dynamodb:UntagResource", "events:ListTargetsByRule",
    "events:PutTargets", "events:RemoveTargets", "events:TagResource", "events:UntagResource",
    "sns:TagResource", "sns:UntagResource"]})


def gap_policy(policy):
    """The local AWS's spelling of what the deployer policy grants, and GAP_ANY on "*"."""
    doc = json.loads(policy)
    statements = [{"Sid": "LocalAwsAny", "Effect": "Allow", "Action": sorted(GAP_ANY), "Resource": "*"}]
    for s in doc["Statement"]:
        res = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
        # EventBridge rules on the default bus: AWS `rule/NAME`, the local AWS `rule/default/NAME`.
        rules = [r.replace(":rule/", ":rule/default/") for r in res if ":events:" in r and ":rule/" in r]
        if rules:
            statements.append({"Sid": "LocalAwsRules", "Effect": "Allow", "Action": s["Action"], "Resource": rules})
            report["gaps"].append("the local AWS names an EventBridge rule on the default bus rule/default/NAME (AWS: rule/NAME): the rule statement is repeated with its spelling")
    for a, why in sorted(GAP_ANY.items()):
        report["gaps"].append("%s: %s" % (a, why))
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def user_with_policy(admin, name, policy):
    iam = admin.client("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="deployer", PolicyDocument=policy)
    iam.put_user_policy(UserName=name, PolicyName="local-aws-gaps", PolicyDocument=gap_policy(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def provider(out, endpoint, key, secret):
    services = ["apigatewayv2", "cloudwatch", "cognitoidp", "dynamodb", "events", "iam", "iot", "lambda",
                "logs", "s3", "scheduler", "secretsmanager", "sns", "sqs", "ssm", "sts"]
    eps = "\n".join('    %s = "%s"' % (s, endpoint) for s in services)
    text = ('# written by tests/probe/deployer.py\nprovider "aws" {\n  region = "%s"\n'
            '  access_key = "%s"\n  secret_key = "%s"\n  skip_credentials_validation = true\n'
            '  skip_metadata_api_check = true\n  skip_requesting_account_id = true\n'
            '  s3_use_path_style = true\n  insecure = true\n  endpoints {\n%s\n  }\n}\n') % (
        REGION, key, secret, eps)
    open(os.path.join(out, "local_aws_provider.tf"), "w").write(text)


def tf_env(args, out):
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1",
           "TF_CLI_CONFIG_FILE": os.path.join(args.kit, "data/terraform/terraformrc"),
           "TF_DATA_DIR": os.path.join(out, ".terraform")}
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "TF_PLUGIN_CACHE_DIR"):
        env.pop(k, None)
    return env


def tf(args, out, *a):
    return run(["terraform", *a, "-no-color"], cwd=out, env=tf_env(args, out))


def step(name, ok, started, text=""):
    d = denials(text)
    report["steps"].append({"step": name, "ok": ok, "seconds": round(time.time() - started, 1),
                            "denials": d, "tail": "" if ok else text[-1500:]})
    report["denials"] += [dict(x, step=name) for x in d]


def terraform_case(args, admin):
    out = os.path.join(args.work, "app")
    compile_out(args, args.example, out, "terraform")
    policy = deployer_policy(args, args.example, "terraform")
    report["policy_chars"] = len(json.dumps(json.loads(policy), separators=(",", ":")))
    key, secret = user_with_policy(admin, "updraft-deployer", policy)
    provider(out, args.endpoint, key, secret)
    t = time.time()
    p = tf(args, out, "init", "-input=false")
    if p.returncode != 0:
        raise SystemExit("terraform init failed: " + p.stderr)
    t = time.time()
    p = tf(args, out, "apply", "-auto-approve", "-input=false", "-parallelism=10")
    step("apply", p.returncode == 0, t, p.stdout + p.stderr)
    report["expect"]["apply succeeds with only the deployer policy"] = p.returncode == 0
    t = time.time()
    p = tf(args, out, "plan", "-detailed-exitcode", "-input=false")
    # 0: no change, 2: changes (the local AWS reads some settings back differently), 1: error.
    step("refresh and plan", p.returncode in (0, 2), t, p.stdout + p.stderr)
    report["expect"]["a second plan refreshes every resource"] = p.returncode in (0, 2) and not denials(p.stdout + p.stderr)
    if p.returncode == 2:
        report["gaps"].append("after apply, the local AWS reads some settings back differently (terraform plans in-place changes: %s)"
                              % ", ".join(sorted(set(re.findall(r"# (\S+) will be updated in-place", p.stdout)))))
    # Tear everything down, retained data too (`prevent_destroy` lifted in this copy): the
    # deployer must be able to delete every kind of resource it creates.
    main_tf = os.path.join(out, "main.tf")
    text = open(main_tf).read()
    open(main_tf, "w").write(re.sub(r"prevent_destroy\s*=\s*true", "prevent_destroy = false", text))
    t = time.time()
    p = tf(args, out, "destroy", "-auto-approve", "-input=false", "-parallelism=10")
    step("destroy", p.returncode == 0, t, p.stdout + p.stderr)
    report["expect"]["destroy succeeds with only the deployer policy"] = p.returncode == 0
    if p.returncode != 0:
        provider(out, args.endpoint, args.account, "test")
        tf(args, out, "destroy", "-auto-approve", "-input=false", "-parallelism=10")

    # The same user, another app's output: denied.
    other = os.path.join(args.work, "other")
    compile_out(args, args.other, other, "terraform")
    provider(other, args.endpoint, key, secret)
    tf(args, other, "init", "-input=false")
    t = time.time()
    p = tf(args, other, "apply", "-auto-approve", "-input=false", "-parallelism=10")
    text = p.stdout + p.stderr
    step("apply of another app", p.returncode == 0, t, text)
    report["expect"]["another app's apply is denied"] = p.returncode != 0 and bool(denials(text))
    created = tf(args, other, "state", "list").stdout.split()
    report["other_created"] = [r for r in created if not r.startswith("data.")]
    provider(other, args.endpoint, args.account, "test")
    tf(args, other, "destroy", "-auto-approve", "-input=false", "-parallelism=10")


def main():
    ap = argparse.ArgumentParser()
    for a in ("--example", "--other", "--updraft", "--work", "--account", "--kit", "--ca"):
        ap.add_argument(a, required=True)
    ap.add_argument("--engine", required=True, choices=["terraform", "cloudformation"])
    ap.add_argument("--endpoint", default="https://127.0.0.1:4566")
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    admin = Admin(args)
    try:
        if args.engine == "terraform":
            terraform_case(args, admin)
        else:
            cloudformation_case(args, admin)
    finally:
        print(json.dumps(report, indent=1))


def cfn_deploy(cfn, stack, template, bucket, role=None):
    """Create the stack through a change set, as `aws cloudformation deploy` does; the final
    status, or the error's text when a call is refused."""
    from botocore.exceptions import ClientError
    extra = {"RoleARN": role} if role else {}
    try:
        cfn.create_change_set(StackName=stack, ChangeSetName="deploy", ChangeSetType="CREATE",
                              TemplateBody=template, Capabilities=["CAPABILITY_IAM"],
                              Parameters=[{"ParameterKey": "ArtifactBucket", "ParameterValue": bucket}], **extra)
        cfn.get_waiter("change_set_create_complete").wait(StackName=stack, ChangeSetName="deploy",
                                                          WaiterConfig={"Delay": 2, "MaxAttempts": 300})
        cfn.execute_change_set(StackName=stack, ChangeSetName="deploy")
        cfn.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig={"Delay": 3, "MaxAttempts": 300})
        return cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    except ClientError as e:
        return "%s: %s" % (e.response["Error"]["Code"], e.response["Error"]["Message"])
    except Exception as e:  # a waiter that gave up: the stack's own status says why
        try:
            return cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] + " (%s)" % e
        except Exception:
            return str(e)


def cfn_delete(cfn, stack):
    from botocore.exceptions import ClientError
    try:
        cfn.delete_stack(StackName=stack)
        cfn.get_waiter("stack_delete_complete").wait(StackName=stack, WaiterConfig={"Delay": 3, "MaxAttempts": 300})
        return "DELETE_COMPLETE"
    except ClientError as e:
        return "%s: %s" % (e.response["Error"]["Code"], e.response["Error"]["Message"])
    except Exception as e:
        return str(e)


def user_session(key, secret):
    import boto3
    return boto3.session.Session(aws_access_key_id=key, aws_secret_access_key=secret, region_name=REGION)


def cloudformation_case(args, admin):
    """The deployer policy as the caller's own (no service role), then what the local AWS does
    with a stack service role (`RoleARN`)."""
    import boto3  # noqa: F401
    bucket = "deployer-artifacts-%s" % args.account
    admin.client("s3").create_bucket(Bucket=bucket)
    out = os.path.join(args.work, "app")
    compile_out(args, args.example, out, "cloudformation")
    template = open(os.path.join(out, "template.json")).read()
    prefix = json.loads(template)["Parameters"]["ArtifactPrefix"]["Default"]
    policy = deployer_policy(args, args.example, "cloudformation", ["--artifact-bucket", bucket])
    doc = json.loads(policy)
    report["policy_chars"] = len(json.dumps(doc, separators=(",", ":")))
    stack = next(r for s in doc["Statement"] if s["Sid"] == "Stack"
                 for r in s["Resource"]).split(":stack/")[1].split("/")[0]
    key, secret = user_with_policy(admin, "updraft-deployer", policy)
    time.sleep(2)
    user = user_session(key, secret)
    s3 = admin.client("s3", user)
    t = time.time()
    for name in sorted(os.listdir(os.path.join(out, "packages"))):
        s3.upload_file(os.path.join(out, "packages", name), bucket, "%s/packages/%s" % (prefix, name))
    step("upload packages", True, t)
    cfn = admin.client("cloudformation", user)
    t = time.time()
    status = cfn_deploy(cfn, stack, template, bucket)
    step("deploy", status == "CREATE_COMPLETE", t, status)
    report["expect"]["the stack deploys with only the deployer policy"] = status == "CREATE_COMPLETE"
    t = time.time()
    status = cfn_delete(cfn, stack)
    step("delete", status == "DELETE_COMPLETE", t, status)
    report["expect"]["the stack is deleted with only the deployer policy"] = status == "DELETE_COMPLETE"

    other = os.path.join(args.work, "other")
    compile_out(args, args.other, other, "cloudformation")
    other_stack = json.loads(open(os.path.join(other, "template.json")).read())["Parameters"]["ArtifactPrefix"]["Default"].split("/", 1)[1]
    t = time.time()
    status = cfn_deploy(cfn, other_stack, open(os.path.join(other, "template.json")).read(), bucket)
    step("deploy of another app", status == "CREATE_COMPLETE", t, status)
    report["expect"]["another app's stack is denied"] = "AccessDenied" in status
    if status == "CREATE_COMPLETE":
        cfn_delete(admin.client("cloudformation"), other_stack)

    # A service role: does the local AWS use it? A role with no permission at all, passed by a
    # user allowed only the stack calls and iam:PassRole on it.
    iam = admin.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudformation.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="updraft-stack-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    stack_only = {"Version": "2012-10-17", "Statement": [
        next(s for s in doc["Statement"] if s["Sid"] == "Stack"),
        {"Sid": "PassStackRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": role,
         "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}}}]}
    iam.create_user(UserName="updraft-stack-only")
    iam.put_user_policy(UserName="updraft-stack-only", PolicyName="stack-only", PolicyDocument=json.dumps(stack_only))
    k = iam.create_access_key(UserName="updraft-stack-only")["AccessKey"]
    time.sleep(2)
    cfn2 = admin.client("cloudformation", user_session(k["AccessKeyId"], k["SecretAccessKey"]))
    # The other app (nothing of it exists: the first app's retained data would collide).
    other_template = json.loads(open(os.path.join(other, "template.json")).read())
    other_prefix = other_template["Parameters"]["ArtifactPrefix"]["Default"]
    for name in sorted(os.listdir(os.path.join(other, "packages"))):
        admin.client("s3").upload_file(os.path.join(other, "packages", name), bucket,
                                       "%s/packages/%s" % (other_prefix, name))
    stack_only["Statement"][0]["Resource"] = [r.replace(":stack/%s" % stack, ":stack/%s" % other_stack)
                                              for r in stack_only["Statement"][0]["Resource"]]
    iam.put_user_policy(UserName="updraft-stack-only", PolicyName="stack-only", PolicyDocument=json.dumps(stack_only))
    stack = other_stack
    template = json.dumps(other_template)
    t = time.time()
    status = cfn_deploy(cfn2, stack, template, bucket, role=role)
    step("deploy with an empty service role", status == "CREATE_COMPLETE", t, status)
    report["service_role"] = status
    if status == "CREATE_COMPLETE":
        report["gaps"].append("the local AWS accepts a stack service role (RoleARN) and does not use it: a stack "
                              "deployed through a role with no permission at all, by a user allowed only the stack "
                              "calls; its CloudFormation provisions resources without evaluating the caller's or the "
                              "role's policies, so only the stack statements are proven there")
        cfn_delete(admin.client("cloudformation"), stack)


if __name__ == "__main__":
    main()
