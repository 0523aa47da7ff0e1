#!/usr/bin/env bash
# Builds test/tools/kstatus (sigs.k8s.io/cli-utils kstatus, as Flux computes health) into ~/.cache/pipewright/bin,
# keyed by the source's hash; prints the binary's path. Go from the module proxy, as test/cluster/build.sh does.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hash=$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-12)
out="${PIPEWRIGHT_CACHE:-$HOME/.cache/pipewright}/bin/kstatus-$hash"
if [ ! -x "$out/kstatus" ]; then
  command -v go >/dev/null || { echo "go is required (Go 1.24+) to build the kstatus harness" >&2; exit 1; }
  mkdir -p "$out.tmp"
  (cd "$here" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--p=2} -buildvcs=false" go build -trimpath -ldflags='-s -w' -o "$out.tmp/kstatus" .) >&2
  rm -rf "$out" && mv "$out.tmp" "$out"
fi
echo "$out/kstatus"
