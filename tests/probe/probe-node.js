// The probe for Node.js runtimes: a shim around probe.py (this machine has no AWS SDK for
// JavaScript), so both runtimes perform exactly the same operations. The suite writes the path
// of a Python with boto3 into probe-python.txt beside this file; the event goes to
// `probe.py --stdin` and its answer comes back; the probe's log lines are forwarded.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const root = __dirname;
const python = fs.readFileSync(path.join(root, "probe-python.txt"), "utf8").trim();

exports.handler = async (event) => {
  const run = spawnSync(python, [path.join(root, "probe.py"), "--stdin"], {
    input: JSON.stringify(event),
    env: process.env,
    maxBuffer: 16 * 1024 * 1024,
  });
  const err = (run.stderr || "").toString();
  if (err) console.log(err.trimEnd());
  const out = (run.stdout || "").toString().trim();
  if (run.status !== 0) {
    throw new Error(out || err || `probe.py exited with ${run.status}`);
  }
  return JSON.parse(out);
};
