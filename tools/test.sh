#!/usr/bin/env bash
# The test command: installs the pinned toolchain, checks the API, vets,
# lints and tests every Go module of the workspace, then the TypeScript and
# Python clients against the running platform, then the web console (unit
# tests and a browser end to end). CI runs exactly this (.ci/run).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

echo "== toolchain"
tools/setup.sh
tools/check-api.sh

mods=$(go list -m -f '{{.Dir}}/...')
echo "== gofmt"
bad=$(gofmt -l $(go list -m -f '{{.Dir}}') | grep -v '\.pb\.go$' || true)
if [ -n "$bad" ]; then
  echo "not gofmt-ed:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "== go vet"
go vet $mods
echo "== golangci-lint"
tools/lint.sh
echo "== feed protocol model (spin)"
tools/check-model.sh
echo "== go test"
go test -count=1 -timeout 15m $mods
echo "== end-to-end test on the PostgreSQL backend"
CRM_TEST_BACKEND=postgresql go test -count=1 -timeout 15m -run 'TestCustomerJourney' ./deploy/local/
echo "== clients in other languages"
tools/client-tests.sh
echo "== README's examples, against the platform with the demo data"
tools/readme-test.sh
echo "== web console"
tools/console-tests.sh
