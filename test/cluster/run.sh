#!/usr/bin/env bash
# Runs one of the test cluster's scripts (up, down, agent/main) after compiling test/cluster when its sources are
# newer than the output (node strips types but does not map the sources' `.js` imports to `.ts`; tsc adds no dependency).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/scripts/node.sh"   # the node agent and its task pods run on the image's Node.js
out="$root/node_modules/.cache/pipewright/cluster"
script=$1; shift
if [[ ! -f "$out/$script.js" ]] || [[ -n "$(find "$root/test/cluster" -name '*.ts' -newer "$out/.stamp" 2>/dev/null | head -1)" ]] \
  || [[ ! -f "$out/.stamp" ]]; then
  "$root/node_modules/.bin/tsc" -p "$root/test/cluster/tsconfig.json"
  touch "$out/.stamp"
fi
exec node "$out/$script.js" "$@"
