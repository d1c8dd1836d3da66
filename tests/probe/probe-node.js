// The probe for Node.js runtimes: a shim around probe.py (this machine has no AWS SDK for
// JavaScript), so both runtimes perform exactly the same operations. The suite writes the path
// of a Python with boto3 into probe-python.txt beside this file. One `probe.py --serve` process
// lives as long as the worker (as the SDK would, its clients stay warm): one JSON event per
// line in, one JSON answer per line out; its log lines are forwarded to the function's log.
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");
const readline = require("readline");

const root = __dirname;
const python = fs.readFileSync(path.join(root, "probe-python.txt"), "utf8").trim();
let child = null;
let waiting = [];

function server() {
  if (child) return child;
  child = spawn(python, [path.join(root, "probe.py"), "--serve"], {
    env: process.env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  readline.createInterface({ input: child.stdout }).on("line", (line) => {
    const next = waiting.shift();
    if (next) next(line);
  });
  readline.createInterface({ input: child.stderr }).on("line", (line) => console.log(line));
  child.on("exit", (code) => {
    child = null;
    for (const w of waiting.splice(0)) w(JSON.stringify({ fatal: `probe.py exited with ${code}` }));
  });
  return child;
}

exports.handler = (event) =>
  new Promise((resolve, reject) => {
    const p = server();
    waiting.push((line) => {
      const answer = JSON.parse(line);
      for (const l of answer.logs || []) console.log(l);
      if (answer.fatal) reject(new Error(answer.fatal));
      else if (answer.error) reject(new Error(answer.error.errorMessage));
      else resolve(answer.ok);
    });
    p.stdin.write(JSON.stringify(event) + "\n");
  });
