#!/usr/bin/env bash
# The whole suite: lint, types, unit + property tests, local-runner integration tests (real kfp SDK),
# and cluster tests (real kube-apiserver, node agent, S3 server). Prints one closing summary line.
set -euo pipefail
cd "$(dirname "$0")/.."

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

echo "== jest: unit, local, cluster"
report="$(mktemp)"
status=0
node --experimental-vm-modules node_modules/jest/bin/jest.js --json --outputFile="$report" "$@" || status=$?
# One closing line a CI reader understands; jest writes no report when a global hook failed.
if [ -s "$report" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests + r.numRuntimeErrorTestSuites} failed`);
  ' "$report"
fi
rm -f "$report"
exit "$status"
