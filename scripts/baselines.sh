#!/usr/bin/env bash
# Updates the regression gate's baselines: runs the matrix with every handler
# on this host, and, where their tiers are set up, on aarch64 in the emulated
# machine and on Windows under Wine, then stores each handler's verdicts as
# golden/<handler>/<os>-<arch>/baseline.json. Review the diff before
# committing: a baseline records what passes now, including a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cargo build --release --workspace --locked
scripts/alternates.sh --release
crashsuite() { cargo run --release --locked -q -p crashsuite -- "$@"; }
# A run with failures still makes a baseline: `run` exits 1 then.
crashsuite run --handler all --report "$out/host" >/dev/null || true
results=("$out/host/results.json")
cache="${CRASHSUITE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/crashsuite}"
if [ -e "$cache/aarch64/Image" ] && [ "$(uname -m)" != aarch64 ]; then
    scripts/aarch64/build.sh --release
    crashsuite run --target aarch64 --handler all --report "$out/aarch64" >/dev/null || true
    results+=("$out/aarch64/results.json")
fi
if [ -e "$cache/windows/prefix/.ready" ]; then
    scripts/windows/build.sh --release
    crashsuite run --target windows --handler all --report "$out/windows" >/dev/null || true
    results+=("$out/windows/results.json")
fi
crashsuite baseline "${results[@]}"
git status --short golden/
