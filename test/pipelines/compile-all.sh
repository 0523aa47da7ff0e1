#!/usr/bin/env bash
# Regenerates the IR fixtures from the pipelines written with the kfp SDK:
#   test/pipelines/<name>.py                  -> test/fixtures/ir/<name>.yaml
#   test/fixtures/commands/install_variants.py -> test/fixtures/commands/install_variants.yaml
#   examples/training/pipeline.py             -> examples/training/pipeline.yaml (+ test/fixtures/ir/training_example.yaml)
# Uses the kfp SDK version pinned in src/local/python-env.ts (KFP_SDK_VERSION): the base env
# pipewright itself builds (~/.cache/pipewright/venvs/<key>, PIPEWRIGHT_CACHE overrides) if it
# exists, else a venv of its own under <cache>/toolchain/kfp-<version>. KFP_PYTHON=/path/python
# forces an interpreter (it must have that kfp version).
#   test/pipelines/compat/<name>.py           -> test/fixtures/ir/compat/<name>.yaml (with kfp-kubernetes)
# The compat pipelines import kfp.kubernetes, so they compile with the toolchain venv
# (<cache>/toolchain/kfp-<version>), which gets kfp-kubernetes==<version> installed if it lacks it.
# Usage: bash test/pipelines/compile-all.sh [name.py | compat/name.py ...]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
version=$(sed -n "s/^export const KFP_SDK_VERSION = '\([^']*\)';/\1/p" src/local/python-env.ts)
[ -n "$version" ] || { echo "compile-all: cannot read KFP_SDK_VERSION from src/local/python-env.ts" >&2; exit 1; }
cache=${PIPEWRIGHT_CACHE:-$HOME/.cache/pipewright}

py=${KFP_PYTHON:-}
if [ -z "$py" ]; then
  for marker in "$cache"/venvs/*/pipewright-env.json; do
    [ -f "$marker" ] || continue
    if python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1])).get("packages") == ["kfp==" + sys.argv[2]] else 1)' "$marker" "$version"; then
      py=$(dirname "$marker")/bin/python
      break
    fi
  done
fi
if [ -z "$py" ]; then
  tool="$cache/toolchain/kfp-$version"
  if [ ! -x "$tool/bin/python" ]; then
    echo "compile-all: creating $tool" >&2
    rm -rf "$tool.tmp" && python3 -m venv "$tool.tmp"
    "$tool.tmp/bin/python" -m pip install --quiet --disable-pip-version-check "kfp==$version"
    mv "$tool.tmp" "$tool"   # (console scripts keep the .tmp path; only python -m is used)
  fi
  py="$tool/bin/python"
fi
actual=$("$py" -c 'import kfp; print(kfp.__version__)')
[ "$actual" = "$version" ] || { echo "compile-all: $py has kfp $actual, want $version" >&2; exit 1; }

# The toolchain interpreter with kfp-kubernetes, for the compat pipelines.
toolchain_py() {
  local tool="$cache/toolchain/kfp-$version"
  if [ ! -x "$tool/bin/python" ]; then
    echo "compile-all: creating $tool" >&2
    rm -rf "$tool.tmp" && python3 -m venv "$tool.tmp"
    "$tool.tmp/bin/python" -m pip install --quiet --disable-pip-version-check "kfp==$version"
    mv "$tool.tmp" "$tool"
  fi
  if ! "$tool/bin/python" -c 'import kfp.kubernetes' 2>/dev/null; then
    echo "compile-all: installing kfp-kubernetes==$version into $tool" >&2
    "$tool/bin/python" -m pip install --quiet --disable-pip-version-check "kfp==$version" "kfp-kubernetes==$version"
  fi
  echo "$tool/bin/python"
}

compile() { # <file.py> <out.yaml> [python]
  PYTHONDONTWRITEBYTECODE=1 "${3:-$py}" - "$1" "$2" <<'PY'
import importlib.util, sys, warnings
warnings.simplefilter("ignore", FutureWarning)
from kfp import compiler
from kfp.dsl import graph_component
src, out = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location("pipeline_under_compile", src)
mod = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = mod
spec.loader.exec_module(mod)
from kfp.dsl import utils
found = [o for o in vars(mod).values()
         if isinstance(o, graph_component.GraphComponent) and o.pipeline_func.__module__ == spec.name]
# A pipeline that another one in the file uses as a sub-pipeline is not a candidate.
found = [p for p in found if not any(
    q is not p and utils.sanitize_component_name(p.name) in q.pipeline_spec.components for q in found)]
if len(found) != 1:
    sys.exit(f"{src}: expected exactly one @dsl.pipeline, found {len(found)}")
compiler.Compiler().compile(found[0], out)
PY
  echo "compiled $1 -> $2"
}

compile_compat() { # <name>
  mkdir -p test/fixtures/ir/compat
  compile "test/pipelines/compat/$1.py" "test/fixtures/ir/compat/$1.yaml" "$kpy"
}

mkdir -p test/fixtures/ir
kpy=""
if [ $# -gt 0 ]; then
  for f in "$@"; do
    n=$(basename "$f" .py)
    case "$f" in
      compat/*|*/compat/*) kpy=${kpy:-$(toolchain_py)}; compile_compat "$n" ;;
      *) compile "test/pipelines/$n.py" "test/fixtures/ir/$n.yaml" ;;
    esac
  done
  exit 0
fi
for f in test/pipelines/*.py; do
  grep -q '^@dsl.pipeline' "$f" || continue   # helpers such as verify_with_kfp_local.py
  n=$(basename "$f" .py)
  compile "$f" "test/fixtures/ir/$n.yaml"
done
kpy=$(toolchain_py)
for f in test/pipelines/compat/*.py; do compile_compat "$(basename "$f" .py)"; done
compile test/fixtures/commands/install_variants.py test/fixtures/commands/install_variants.yaml
compile examples/training/pipeline.py examples/training/pipeline.yaml
cp examples/training/pipeline.yaml test/fixtures/ir/training_example.yaml   # same IR, for the fixture-driven tests
