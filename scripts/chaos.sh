#!/usr/bin/env bash
# Long chaos mode: `npm run chaos -- --seed S --runs N --kills K`. Runs test/integration/cluster/chaos.test.ts alone
# on a test cluster of its own (~/.cache/pipewright/cluster-chaos-long, ports 27400+, unless
# PIPEWRIGHT_TEST_CLUSTER_DIR / PIPEWRIGHT_TEST_CLUSTER_PORT_BASE say otherwise), so it can run beside `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node.sh
seed="" runs=20 kills=50
while [ $# -gt 0 ]; do
  case "$1" in
    --seed) seed=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --kills) kills=$2; shift 2 ;;
    *) echo "usage: npm run chaos -- [--seed S] [--runs N] [--kills K]" >&2; exit 2 ;;
  esac
done
cache="${PIPEWRIGHT_CACHE:-$HOME/.cache/pipewright}"
export PIPEWRIGHT_TEST_CLUSTER_DIR="${PIPEWRIGHT_TEST_CLUSTER_DIR:-$cache/cluster-chaos-long}"
export PIPEWRIGHT_TEST_CLUSTER_PORT_BASE="${PIPEWRIGHT_TEST_CLUSTER_PORT_BASE:-27400}"
export CHAOS_RUNS="$runs" CHAOS_KILLS="$kills"
[ -n "$seed" ] && export CHAOS_SEED="$seed"
npm run --silent build
bash test/cluster/build.sh
exec node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects cluster --testPathPatterns 'cluster/chaos\.test'
