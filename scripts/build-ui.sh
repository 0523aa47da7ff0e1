#!/usr/bin/env bash
# Builds the web UI (ui/, its own package.json and lock) into ui/dist, which `pipewright server` serves at /.
# Cache-friendly: `npm ci` only when ui/package-lock.json changed, `vite build` only when a source changed.
# Without ui/ (an image build that does not copy it) there is nothing to do: the server then serves the API only.
set -euo pipefail
cd "$(dirname "$0")/../ui" 2>/dev/null || { echo "[build-ui] no ui/ folder: skipped" >&2; exit 0; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }
lock=$(hash_of package-lock.json)
if [ "$(cat node_modules/.pipewright-lock 2>/dev/null)" != "$lock" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock" > node_modules/.pipewright-lock
fi
src=$(find src index.html vite.config.ts tsconfig.json package-lock.json -type f | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)
if [ "$(cat dist/.pipewright-src 2>/dev/null)" != "$src" ]; then
  npm run --silent build
  echo "$src" > dist/.pipewright-src
fi
