#!/usr/bin/env bash
# Fills fuzz/corpus/pipeline with the project's own specs: every example and every fixture.
set -eu
cd "$(dirname "$0")/.."
out=fuzz/corpus/pipeline
mkdir -p "$out"
find examples tests/fixtures -name '*.yaml' | sort | while read -r f; do
  cp "$f" "$out/$(echo "$f" | tr '/' '_')"
done
echo "$(ls "$out" | wc -l) seeds in $out"
