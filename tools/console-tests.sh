#!/usr/bin/env bash
# Tests the web console: builds it (into services/console/dist, which the
# console server embeds), runs its unit tests, checks the compressed size of
# what a browser downloads, then drives Debian's chromium through every
# screen against the platform with the demo data, started as the README's
# run command does (free ports, a temporary folder). Screenshots of every
# screen at 1280 and 390 pixels wide are kept in web/console/test-output/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ ! -x /usr/bin/chromium ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

echo "== console: build and unit tests"
(cd web/console && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm test --silent && npm run build --silent >/dev/null)
out=web/console/test-output
rm -rf "$out" && mkdir -p "$out"

# What the first visit downloads and the whole application, gzip-compressed.
total=0
for f in services/console/dist/index.html services/console/dist/assets/*; do
  total=$((total + $(gzip -9 -c "$f" | wc -c)))
done
echo "compressed bundle: $((total / 1024)) KiB (limit 500 KB)"
printf '{"compressed_bytes": %d}\n' "$total" >"$out/bundle.json"
[ "$total" -lt 500000 ] || { echo "the compressed bundle is over 500 KB" >&2; exit 1; }

echo "== console: end to end"
tmp=$(mktemp -d)
go build -o "$tmp/local" ./deploy/local
"$tmp/local" -demo -data "$tmp/data" -db-addr 127.0.0.1:0 -collector-addr 127.0.0.1:0 -profile-addr 127.0.0.1:0 \
  -interaction-addr 127.0.0.1:0 -segmentation-addr 127.0.0.1:0 -loyalty-addr 127.0.0.1:0 -console-addr 127.0.0.1:0 >"$tmp/out" 2>&1 &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 1200); do
  grep -q '^demo data' "$tmp/out" && break
  kill -0 $pid 2>/dev/null || { cat "$tmp/out" >&2; exit 1; }
  sleep 0.5
done
grep -q '^demo data loaded' "$tmp/out" || { cat "$tmp/out" >&2; exit 1; }
export CONSOLE_URL=$(sed -n 's|^Web console: \(http://[0-9.:]*\)/#token=.*|\1|p' "$tmp/out")
export CRM_TOKEN=$(grep -m1 '^eyJ' "$tmp/out")
[ -n "$CONSOLE_URL" ] && [ -n "$CRM_TOKEN" ] || { cat "$tmp/out" >&2; exit 1; }
(cd web/console && node e2e/run.mjs)
