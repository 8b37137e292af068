#!/usr/bin/env bash
# Compares launchready's mobile LCP with Lighthouse's (--throttling-method=devtools) on the demo's first page,
# flawed and hardened, and on a small single-page app: the median of three loads each, side by side with the ratio.
# Lighthouse is installed from npm into a temporary folder and runs the same Chromium; nothing is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v npm >/dev/null || { echo "bench/lcp.sh needs npm (Node.js) to install Lighthouse" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error lighthouse@13 >/dev/null 2>&1
echo "Lighthouse $(node "$dir/node_modules/lighthouse/cli/index.js" --version), $(chromium --version 2>/dev/null || true), $(nproc) cores"
LAUNCHREADY_BENCH_LIGHTHOUSE="$dir/node_modules/lighthouse/cli/index.js" \
	go test -count=1 -run TestLCPAgainstLighthouse -v -timeout 15m ./audit/perf/ | grep -E "ratio|^ok|FAIL|Error|error"
