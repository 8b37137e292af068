#!/usr/bin/env bash
# Compares the p95 of launchready's latency sampler with hey's on the demo's slow endpoint (same request count and
# concurrency). hey is installed from the Go module proxy into a temporary GOBIN; nothing is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
GOBIN="$bin" go install github.com/rakyll/hey@latest
LAUNCHREADY_BENCH_HEY="$bin/hey" go test -count=1 -run TestP95AgainstHey -v ./audit/perf/ | grep -E "p95|ok|FAIL|---"
