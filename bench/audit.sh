#!/usr/bin/env bash
# Times the demo audit, flawed and hardened, as a user runs it (go build, then the binary with --no-tui), and prints
# what each run sent and where its time went, phase by phase. Nothing is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/launchready" ./cmd/launchready
echo "$(nproc) cores, $(chromium --version 2>/dev/null || echo 'browser: see LAUNCHREADY_BROWSER')"
for variant in flawed hardened; do
	flag=""
	[ "$variant" = hardened ] && flag="--hardened"
	for run in 1 2 3; do
		out=$("$bin/launchready" demo --no-tui $flag 2>/dev/null || true)
		echo "$variant, run $run: $(grep -E 'HTTP requests' <<<"$out")"
		echo "    $(grep -E '^Time by phase' <<<"$out")"
	done
done
