#!/usr/bin/env bash
# Builds (once, cached under ~/.cache/pipewright/bin/argo-<version>) Argo Workflows' workflow-controller and argoexec
# from the Go module proxy, for the side-by-side benchmark (npm run bench:argo). Not part of the test suite.
# Only the v4 module path is served by the proxy here. Idempotent: a cached binary is never rebuilt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache="${PIPEWRIGHT_CACHE:-$HOME/.cache/pipewright}"
export GOFLAGS="${GOFLAGS:--p=2} -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0
mkdir -p "$cache/bin"
exec 9>"$cache/build-argo.lock"
flock 9

log() { printf '[build-argo %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
command -v go >/dev/null || { echo "go is required (Go 1.24+)" >&2; exit 1; }
out="$cache/bin/argo-$ARGO_VERSION"
mod="github.com/argoproj/argo-workflows/v4"
mkdir -p "$out"
for c in workflow-controller argoexec; do
  [[ -x "$out/$c" ]] && continue
  t0=$SECONDS
  log "building $c $ARGO_VERSION ..."
  rm -rf "$out/$c.tmp" && mkdir -p "$out/$c.tmp"
  GOBIN="$out/$c.tmp" nice -n 10 go install -trimpath -ldflags="-s -w -X $mod.version=$ARGO_VERSION" \
    "$mod/cmd/$c@$ARGO_VERSION"
  mv "$out/$c.tmp/$c" "$out/$c" && rmdir "$out/$c.tmp"
  log "built $c in $((SECONDS - t0))s"
done
# The CRDs come from the same module's source (the module cache holds it after the build).
crds="$(go env GOMODCACHE)/$mod@$ARGO_VERSION/manifests/base/crds/minimal"
[[ -d "$crds" ]] || go mod download "$mod@$ARGO_VERSION"
rm -rf "$out/crds.tmp" && cp -r "$crds" "$out/crds.tmp" && rm -rf "$out/crds" && mv "$out/crds.tmp" "$out/crds"
log "argo $ARGO_VERSION ready under $out"
