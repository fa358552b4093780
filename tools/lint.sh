#!/usr/bin/env bash
# Runs golangci-lint (installed by tools/setup.sh) with the root
# .golangci.yml on every module of the workspace, one module at a time
# (golangci-lint reads one module per run). Fails on any finding.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$root/.tools/bin:$PATH"

status=0
for dir in $(go list -m -f '{{.Dir}}'); do
  echo "-- ${dir#"$root"/}"
  # Serialised, not refused, when another run (another checkout) holds the lock.
  (cd "$dir" && golangci-lint run --allow-serial-runners --config "$root/.golangci.yml" ./...) || status=1
done
exit $status
