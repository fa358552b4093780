#!/usr/bin/env bash
# Regenerates the committed code from proto/ (run after changing a .proto).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -x .tools/bin/buf ] && [ -f .tools/proto/buf/validate/validate.proto ] || tools/setup.sh
export PATH="$root/.tools/bin:$PATH"
buf format -w
buf generate
