#!/usr/bin/env python3
"""Run aws-sam-translator's transform on one SAM template, offline: the peer of
`updraft compile --target cloudformation` in scripts/bench-peers.

    python sam-transform.py SAM.json OUT.json

Reads the template (JSON), runs samtranslator.translator.transform.transform with no
parameter values and a managed-policy loader stub (the templates name no managed policy by
name, so nothing is looked up), and writes the CloudFormation template as indented JSON.
Needs AWS_DEFAULT_REGION (the translator asks boto3 for the region; no credentials, no
network). Prints one JSON line on stderr with the in-process phases in seconds:
{"import": .., "read": .., "transform": .., "write": .., "resources": ..}.
"""

import json
import sys
import time

t0 = time.perf_counter()
from samtranslator.translator.transform import transform  # noqa: E402

t1 = time.perf_counter()


class ManagedPolicyLoaderStub:
    def load(self):
        return {}


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as f:
        template = json.load(f)
    t2 = time.perf_counter()
    out = transform(template, {}, ManagedPolicyLoaderStub())
    t3 = time.perf_counter()
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    t4 = time.perf_counter()
    sys.stderr.write(
        json.dumps(
            {
                "import": round(t1 - t0, 6),
                "read": round(t2 - t1, 6),
                "transform": round(t3 - t2, 6),
                "write": round(t4 - t3, 6),
                "resources": len(out.get("Resources", {})),
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
