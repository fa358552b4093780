#!/usr/bin/env bash
# Installs the pinned API toolchain into .tools/ (git-ignored): buf from npm,
# the Go protoc plugins from tools/go.mod, and the protovalidate rules' .proto
# source from the Go module proxy. Safe to run again; fast when installed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p .tools/bin .tools/proto

(cd tools && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
ln -sf ../../tools/node_modules/.bin/buf .tools/bin/buf

(cd tools && GOWORK=off GOBIN="$root/.tools/bin" go install tool)

# protovalidate's validate.proto is not in its Go runtime module; it is in the
# protovalidate source module, which the Go proxy serves at a pinned tag.
dir=$(GOWORK=off GOFLAGS=-mod=mod go mod download -json github.com/bufbuild/protovalidate@v1.2.2 |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
rm -rf .tools/proto/buf
cp -r "$dir/proto/protovalidate/buf" .tools/proto/
chmod -R u+w .tools/proto
