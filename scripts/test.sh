#!/usr/bin/env bash
# The whole suite: lint, types, unit + property tests, local-runner integration tests (real kfp SDK),
# and cluster tests (real kube-apiserver, node agent, S3 server). Prints one closing summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
# Everything below (npm, jest, the test cluster's node agent and its task pods) runs on the image's Node.js.
source scripts/node.sh
echo "== node $(node --version) ($(command -v node))"

[ -d node_modules ] || npm ci --no-audit --no-fund
echo "== build, lint, types"
npm run --silent build
npm run --silent lint
npm run --silent typecheck
echo "== web UI unit tests (ui/, vitest)"
npm --prefix ui test --silent

echo "== test cluster binaries and the UI tests' chromium (cached)"
bash test/cluster/build.sh
bash scripts/ui-browser.sh

jest() { node --experimental-vm-modules node_modules/jest/bin/jest.js "$@"; }
reports="$(mktemp -d)"
status=0
if [ "$#" -gt 0 ]; then
  echo "== jest $*"
  jest --json --outputFile="$reports/all.json" "$@" || status=$?
else
  # Two jest processes side by side, one per core: `cluster` (one test cluster, its files one at a time: some
  # restart the cluster's processes) and `unit` + `local` (no cluster). The second's output is printed when it ends.
  echo "== jest: cluster, and beside it unit + local (printed when they end)"
  jest --selectProjects unit local --json --outputFile="$reports/unit-local.json" >"$reports/unit-local.log" 2>&1 &
  side=$!
  jest --selectProjects cluster --json --outputFile="$reports/cluster.json" || status=$?
  wait "$side" || status=$?
  echo "== jest: unit + local"
  cat "$reports/unit-local.log"
fi
# One closing line a CI reader understands; jest writes no report when a global hook failed.
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, missing = [];
  for (const f of process.argv.slice(1)) {
    if (!fs.existsSync(f) || fs.statSync(f).size === 0) { missing.push(require("path").basename(f)); continue; }
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  }
  console.log(`tests: ${passed} passed, ${failed} failed${missing.length ? ` (no report from ${missing.join(", ")}: a global hook failed)` : ""}`);
' $(if [ "$#" -gt 0 ]; then echo "$reports/all.json"; else echo "$reports/cluster.json $reports/unit-local.json"; fi)
rm -rf "$reports"
exit "$status"
