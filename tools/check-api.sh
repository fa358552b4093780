#!/usr/bin/env bash
# Checks the API: buf lint, buf format, generated code (and the OpenAPI
# description) up to date and valid, and no breaking change against the main
# branch (when main already has protos).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$root/.tools/bin:$PATH"

echo "== buf lint"
buf lint
echo "== buf format"
buf format -d --exit-code

echo "== generated code is current"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
buf generate -o "$out"
for d in gen/go/crm gen/ts/gen gen/python/src/crm gen/python/src/buf gen/python/src/google docs/reference docs/openapi; do
  if ! diff -r "$out/$d" "$d" >/dev/null; then
    diff -r "$out/$d" "$d" | head -20
    echo "generated code in $d is stale: run tools/gen.sh and commit the result" >&2
    exit 1
  fi
done

echo "== OpenAPI description is valid"
node tools/validate-openapi.mjs docs/openapi/openapi.yaml

echo "== buf breaking against main"
base=""
if git rev-parse -q --verify refs/remotes/origin/main >/dev/null; then
  base=refs/remotes/origin/main
elif git fetch -q --depth 1 origin main:refs/remotes/origin/main 2>/dev/null; then
  base=refs/remotes/origin/main
elif git rev-parse -q --verify refs/heads/main >/dev/null; then
  base=refs/heads/main
fi
if [ -z "$base" ] || ! git cat-file -e "$base:proto" 2>/dev/null; then
  echo "main has no protos yet: nothing to compare with"
  exit 0
fi
# buf cannot see the git-ignored protovalidate folder inside a git input, so
# compare against a worktree of main with that folder copied in.
wt="$out/base"
git worktree add -q --detach "$wt" "$base"
trap 'git worktree remove --force "$wt" >/dev/null 2>&1; rm -rf "$out"' EXIT
mkdir -p "$wt/.tools"
cp -r .tools/proto "$wt/.tools/"
buf breaking --against "$wt"
echo "no breaking change against $base"
