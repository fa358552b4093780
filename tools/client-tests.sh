#!/usr/bin/env bash
# Tests the TypeScript and Python clients and the README's curl examples
# against the platform: starts it as the README's run command does (free
# ports, a temporary folder), runs each with the addresses and a token, then
# stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tmp=$(mktemp -d)
go build -o "$tmp/local" ./deploy/local
"$tmp/local" -data "$tmp/data" -db-addr 127.0.0.1:0 -collector-addr 127.0.0.1:0 -profile-addr 127.0.0.1:0 \
  -interaction-addr 127.0.0.1:0 -segmentation-addr 127.0.0.1:0 -loyalty-addr 127.0.0.1:0 -console-addr 127.0.0.1:0 >"$tmp/out" 2>&1 &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 240); do
  grep -q 'Ctrl-C stops everything' "$tmp/out" && break
  kill -0 $pid 2>/dev/null || { cat "$tmp/out" >&2; exit 1; }
  sleep 0.5
done
addr() { sed -n "s/^  $1 *\([0-9.:]*\).*/\1/p" "$tmp/out" | head -1; }
export CRM_PROFILE_ADDR=$(addr customer-profile)
export CRM_INTERACTION_ADDR=$(addr interaction-log)
export CRM_SEGMENTATION_ADDR=$(addr segmentation)
export CRM_LOYALTY_ADDR=$(addr loyalty)
export CRM_TOKEN=$(grep -m1 '^eyJ' "$tmp/out")
[ -n "$CRM_PROFILE_ADDR" ] && [ -n "$CRM_TOKEN" ] || { cat "$tmp/out" >&2; exit 1; }

echo "== TypeScript client"
(cd gen/ts && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm test --silent)
echo "== Python client"
(cd gen/python && PYTHONPATH=src /usr/bin/python3 -m unittest discover -s tests)
echo "== README's curl examples"
awk '/<!-- curl-examples -->/ {on = 1; next} /<!-- \/curl-examples -->/ {on = 0} on && !/^```/' README.md >"$tmp/curl.sh"
out=$(bash -euo pipefail "$tmp/curl.sh")
echo "$out"
for want in '"INTERACTION_KIND_PURCHASE"' '"balance"' 'Grace Hopper' 'customer.emails[0].address' 'HTTP 400'; do
  grep -qF -- "$want" <<<"$out" || { echo "the README's curl examples printed no $want" >&2; exit 1; }
done
echo "== README's install steps and examples, as written, in a new project folder"
# block prints the fenced block that follows README.md's line holding $1.
block() { awk -v m="$1" 'index($0, m) { f = 1; next } f && /^```/ { if (b) exit; b = 1; next } f && b { print }' "$root/README.md"; }
mkdir "$tmp/project"
(cd "$tmp/project" && export CRM="$root" && bash -euo pipefail -c "$(block ts-install)" && block ts-example >app.mjs && node app.mjs)
(cd "$tmp/project" && export CRM="$root" && bash -euo pipefail -c "$(block py-install)" && block py-example >app.py && .venv/bin/python app.py)
