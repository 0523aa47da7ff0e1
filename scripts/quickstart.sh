#!/usr/bin/env bash
# Runs the example training pipeline locally (no cluster): installs npm packages, builds, and lets
# `pipewright run` prepare the Python environment (kfp, pandas, scikit-learn) on first use.
# Extra arguments go to `pipewright run`, e.g.: npm run quickstart -- --arg min_accuracy=0.999
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node.sh   # the image's Node.js, fetched once from the npm registry
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build
exec node bin/pipewright.js run examples/training/pipeline.py "$@"
