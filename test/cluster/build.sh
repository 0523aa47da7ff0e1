#!/usr/bin/env bash
# Builds (once, cached under ~/.cache/pipewright keyed by version) everything the test cluster runs:
# etcd, kube-apiserver/-controller-manager/-scheduler, versitygw (S3), helm, plus Debian's bubblewrap and openssl.
# Idempotent: a cached binary is never rebuilt. Versions live in versions.env beside this script.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache="${PIPEWRIGHT_CACHE:-$HOME/.cache/pipewright}"
export GOFLAGS="${GOFLAGS:--p=2} -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0
mkdir -p "$cache/bin"
# One build at a time per machine: parallel test runs share the cache.
exec 9>"$cache/build.lock"
flock 9

log() { printf '[build %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
timed() { # timed NAME CMD...: runs CMD, prints how long it took
  local name=$1 t0=$SECONDS; shift
  log "building $name ..."
  "$@"
  log "built $name in $((SECONDS - t0))s"
}

apt_pkgs=()
command -v bwrap >/dev/null || apt_pkgs+=(bubblewrap)
command -v openssl >/dev/null || apt_pkgs+=(openssl)
if ((${#apt_pkgs[@]})); then
  timed "apt ${apt_pkgs[*]}" bash -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${apt_pkgs[*]} >/dev/null"
fi
command -v go >/dev/null || { echo "go is required (Go 1.24+)" >&2; exit 1; }

# etcd: its server module carries replace directives, so `go install` refuses it; a tiny wrapper module builds it.
build_etcd() {
  local dir="$cache/src/etcd-$ETCD_VERSION" out="$cache/bin/etcd-$ETCD_VERSION"
  rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
  cat >go.mod <<MOD
module pipewright.local/etcdbuild

go 1.24.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
MOD
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3/etcdmain"\n' >tools.go
  go mod tidy
  go build -trimpath -ldflags='-s -w' -o "$out.tmp/etcd" go.etcd.io/etcd/server/v3
  mv "$out.tmp" "$out"
}

# Kubernetes: a wrapper module that requires k8s.io/kubernetes and replaces each staging module with its published
# v0.Y.Z; go/godebug lines copied from upstream because godebug applies only in the main module.
k8s_wrapper() {
  local dir="$cache/src/k8s-$K8S_VERSION" minor=${K8S_VERSION#v1.}
  local staging="v0.${minor}" gomod c
  [[ -f "$dir/.ready" ]] && return 0
  rm -rf "$dir" && mkdir -p "$dir"
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
  {
    echo "module pipewright.local/k8sbuild"; echo
    grep -E '^(go|godebug) ' "$gomod"; echo
    echo "require k8s.io/kubernetes $K8S_VERSION"; echo
    echo "replace ("
    sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\t\1 => \1 '"$staging"'#p' "$gomod"
    echo ")"
  } >"$dir/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport (\n' >"$dir/tools.go"
  for c in kube-apiserver kube-controller-manager kube-scheduler; do
    printf '\t_ "k8s.io/kubernetes/cmd/%s/app"\n' "$c" >>"$dir/tools.go"
  done
  printf ')\n' >>"$dir/tools.go"
  (cd "$dir" && go mod tidy)
  touch "$dir/.ready"
}

build_k8s() { # build_k8s COMPONENT
  local c=$1 out="$cache/bin/k8s-$K8S_VERSION" dir="$cache/src/k8s-$K8S_VERSION" minor=${K8S_VERSION#v1.}
  local ld="" pkg
  minor=${minor%%.*}
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
    ld+=" -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  mkdir -p "$out" && cd "$dir"
  go build -trimpath -ldflags="-s -w $ld" -o "$out/$c.tmp" "k8s.io/kubernetes/cmd/$c"
  mv "$out/$c.tmp" "$out/$c"
}

build_versitygw() {
  local out="$cache/bin/versitygw-$VERSITYGW_VERSION"
  mkdir -p "$out.tmp"
  GOBIN="$out.tmp" go install -trimpath -ldflags='-s -w' "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
  mv "$out.tmp" "$out"
}

# Helm, from its Go module (the chart tests run the real binary); version stamped as its Makefile does.
build_helm() {
  local out="$cache/bin/helm-$HELM_VERSION" major=${HELM_VERSION%%.*}
  mkdir -p "$out.tmp"
  GOBIN="$out.tmp" go install -trimpath \
    -ldflags="-s -w -X helm.sh/helm/$major/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/$major/cmd/helm@$HELM_VERSION"
  mv "$out.tmp" "$out"
}

t_all=$SECONDS
[[ -x "$cache/bin/etcd-$ETCD_VERSION/etcd" ]] || timed "etcd $ETCD_VERSION" build_etcd
[[ -x "$cache/bin/versitygw-$VERSITYGW_VERSION/versitygw" ]] || timed "versitygw $VERSITYGW_VERSION" build_versitygw
for c in kube-apiserver kube-controller-manager kube-scheduler; do
  if [[ ! -x "$cache/bin/k8s-$K8S_VERSION/$c" ]]; then
    timed "k8s wrapper module $K8S_VERSION" k8s_wrapper
    timed "$c $K8S_VERSION" build_k8s "$c"
  fi
done
# kubectl comes with the machine; where it does not, the same Kubernetes version is built (tests use the real one).
if ! command -v kubectl >/dev/null && [[ ! -x "$cache/bin/k8s-$K8S_VERSION/kubectl" ]]; then
  timed "k8s wrapper module $K8S_VERSION" k8s_wrapper
  GOFLAGS="$GOFLAGS -mod=mod" timed "kubectl $K8S_VERSION" build_k8s kubectl
fi
[[ -x "$cache/bin/helm-$HELM_VERSION/helm" ]] || timed "helm $HELM_VERSION" build_helm
log "all binaries ready under $cache/bin ($((SECONDS - t_all))s)"
