#!/usr/bin/env bash
# Runs README.md as a newcomer would: starts the platform with the demo data
# (go run ./deploy/local -demo) on free ports in a temporary folder, then
# runs every fenced block of README.md in order, in one bash session from
# the repository's root, and compares what each command prints with what
# README.md shows (tools/readmetest does the running and comparing).
#
# Conventions README.md follows for this:
# - ```sh blocks run; every command in them must succeed (their output is
#   not shown in README.md, so it is not compared).
# - ```console blocks are sessions: each "$ " line (with "\" continuation
#   lines) runs, and what it prints (stdout and stderr) must equal the lines
#   under it, with ids (customers/...), times, durations in seconds, tokens
#   and reward codes masked; "..." in a line README.md shows stands for any
#   text.
# - A line starting <!-- readme-test: skip before a block: not run (the
#   commands that start the platform or run the tests, which this script
#   does itself, and the client install steps, which tools/client-tests.sh
#   runs in a project folder of its own).
# - <!-- readme-test: figures vary --> before a console block: every number
#   and the bars' lengths are masked too (the demo's history ends today, so
#   its figures move with the date).
# - The addresses 127.0.0.1:50051-50054 in commands become the free ports,
#   .data/ becomes the temporary data folder, and CRM_*_ADDR are exported as
#   README.md says crmctl reads them. crmctl is built once and put first on
#   PATH (README.md's alias runs the same source with go run).
# - README.md itself waits for the feeds where a person would (a loop that
#   polls), so nothing here depends on timing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -x .tools/bin/grpcurl ] || tools/setup.sh
tmp=$(mktemp -d)
mkdir -p "$tmp/bin"
go build -o "$tmp/bin/local" ./deploy/local
go build -o "$tmp/bin/crmctl" ./pkg/cmd/crmctl
(cd tools && GOWORK=off go build -o "$tmp/bin/readmetest" ./readmetest)
"$tmp/bin/local" -demo -data "$tmp/data" -db-addr 127.0.0.1:0 -collector-addr 127.0.0.1:0 -profile-addr 127.0.0.1:0 \
  -interaction-addr 127.0.0.1:0 -segmentation-addr 127.0.0.1:0 -loyalty-addr 127.0.0.1:0 >"$tmp/out" 2>&1 &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
# The demo is loaded once the runner says so (or says it failed); on a busy
# machine that takes many minutes, so the deadline is an hour.
for _ in $(seq 1 7200); do
  grep -qs '^demo data' "$tmp/out" && break
  kill -0 $pid 2>/dev/null || { cat "$tmp/out" >&2; exit 1; }
  sleep 0.5
done
grep -q '^demo data loaded' "$tmp/out" || { cat "$tmp/out" >&2; echo "the demo data did not load" >&2; exit 1; }
addr() { sed -n "s/^  $1 *\([0-9.:]*\).*/\1/p" "$tmp/out" | head -1; }
export CRM_PROFILE_ADDR=$(addr customer-profile)
export CRM_INTERACTION_ADDR=$(addr interaction-log)
export CRM_SEGMENTATION_ADDR=$(addr segmentation)
export CRM_LOYALTY_ADDR=$(addr loyalty)
export PATH="$tmp/bin:$PATH"
unset CRM_TOKEN CRM_TOKEN_FILE
"$tmp/bin/readmetest" -readme README.md -data "$tmp/data"
