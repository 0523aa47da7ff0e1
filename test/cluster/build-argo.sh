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
modsrc="$(go env GOMODCACHE)/$mod@$ARGO_VERSION"
build_controller() {
  GOBIN="$out/workflow-controller.tmp" nice -n 10 go install -trimpath -ldflags="-s -w -X $mod.version=$ARGO_VERSION" \
    "$mod/cmd/workflow-controller@$ARGO_VERSION"
}
# argoexec: the module as the proxy serves it lacks workflow/executor/osspecific's Linux signal file (Setpgid, Kill,
# Wait: "undefined: Setpgid" on linux); its darwin file is plain POSIX, so a copy of the source gets it as
# signal_linux.go and argoexec is built there (the module's own go.mod and go.sum; dependencies from the module cache).
build_argoexec() {
  local src="$cache/src/argo-$ARGO_VERSION" d
  [[ -d "$modsrc" ]] || go mod download "$mod@$ARGO_VERSION"
  rm -rf "$src" && mkdir -p "$cache/src" && cp -r "$modsrc" "$src" && chmod -R u+w "$src"
  d="$src/workflow/executor/osspecific"
  [[ -f "$d/signal_linux.go" ]] || cp "$d/signal_darwin.go" "$d/signal_linux.go"
  (cd "$src" && nice -n 10 go build -trimpath -ldflags="-s -w -X $mod.version=$ARGO_VERSION" \
    -o "$out/argoexec.tmp/argoexec" ./cmd/argoexec)
}
for c in workflow-controller argoexec; do
  [[ -x "$out/$c" ]] && continue
  t0=$SECONDS
  log "building $c $ARGO_VERSION ..."
  rm -rf "$out/$c.tmp" && mkdir -p "$out/$c.tmp"
  if [[ $c == argoexec ]]; then build_argoexec; else build_controller; fi
  mv "$out/$c.tmp/$c" "$out/$c" && rmdir "$out/$c.tmp"
  log "built $c in $((SECONDS - t0))s"
done
# The CRDs come from the same module's source (the module cache holds it after the build); its kustomization.yaml
# is left out so kubectl apply -f takes the directory.
[[ -d "$modsrc" ]] || go mod download "$mod@$ARGO_VERSION"
crds="$modsrc/manifests/base/crds/minimal"
rm -rf "$out/crds.tmp" && mkdir "$out/crds.tmp" && cp "$crds"/argoproj.io_*.yaml "$out/crds.tmp/" && rm -rf "$out/crds" && mv "$out/crds.tmp" "$out/crds"
log "argo $ARGO_VERSION ready under $out"
