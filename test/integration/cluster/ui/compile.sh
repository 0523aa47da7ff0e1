#!/usr/bin/env bash
# Recompiles ui_showcase.py -> ui_showcase.yaml with the kfp SDK pinned in src/local/python-env.ts (the env
# pipewright builds, ~/.cache/pipewright/venvs/<key>; KFP_PYTHON=/path/python overrides).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${PIPEWRIGHT_CACHE:-$HOME/.cache/pipewright}
repo=$(cd "$here/../../../.." && pwd)
version=$(sed -n "s/^export const KFP_SDK_VERSION = '\([^']*\)';/\1/p" "$repo/src/local/python-env.ts")
py=${KFP_PYTHON:-}
if [ -z "$py" ]; then
  for marker in "$cache"/venvs/*/pipewright-env.json; do
    if python3 -c 'import json,sys; sys.exit(0 if "kfp==" + sys.argv[2] in json.load(open(sys.argv[1])).get("packages", []) else 1)' "$marker" "$version"; then
      py=$(dirname "$marker")/bin/python; break
    fi
  done
fi
[ -n "$py" ] || { echo "no python with kfp==$version: run a local pipeline once (pipewright run) or set KFP_PYTHON" >&2; exit 1; }
"$py" -c "
import sys; sys.path.insert(0, '$here')
from kfp import compiler
from ui_showcase import ui_showcase
compiler.Compiler().compile(ui_showcase, '$here/ui_showcase.yaml')
"
echo "compiled $here/ui_showcase.yaml with kfp $("$py" -c 'import kfp; print(kfp.__version__)')"
