#!/usr/bin/env bash
# The browser of the UI tests: Debian's chromium (driven by playwright-core, which downloads no browser of its own).
# Idempotent and quick once installed; one install at a time per machine (the apt lock is shared by all runs).
set -euo pipefail
cache="${PIPEWRIGHT_CACHE:-$HOME/.cache/pipewright}"
mkdir -p "$cache"
exec 8>"$cache/chromium.lock"
flock 8
if command -v chromium >/dev/null 2>&1; then exit 0; fi
echo "[ui-browser] installing Debian's chromium ..." >&2
t0=$SECONDS
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "[ui-browser] chromium installed in $((SECONDS - t0))s: $(chromium --version 2>/dev/null || echo '?')" >&2
