#!/usr/bin/env bash
# Reproduces the figures of README's "Speed" section on this machine:
#   scripts/bench.sh [OUT_DIR] [-- extra `crashsuite bench` arguments]
# Builds the workspace and the Breakpad and Crashpad alternates in release,
# installs minidump-stackwalk (once, cached), then runs `crashsuite bench`
# over the catalogue (reference, in-process, Breakpad, Crashpad) with the
# cost curves and the minidump-stackwalk comparison, and times the release
# matrix (reference and in-process). RUNS sets runs per trial (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/bench
if [ $# -gt 0 ] && [ "$1" != "--" ]; then out=$1; shift; fi
[ "${1:-}" = "--" ] && shift
runs=${RUNS:-5}
target=${CARGO_TARGET_DIR:-target}
tools=${CRASHSUITE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/crashsuite/tools}

stackwalk=$tools/bin/minidump-stackwalk
if ! [ -x "$stackwalk" ]; then
    echo "bench: installing minidump-stackwalk into $tools"
    CARGO_TARGET_DIR="$tools/target" cargo install minidump-stackwalk --version "~0.27" --locked \
        --root "$tools"
fi
cargo build --release --locked --workspace
scripts/alternates.sh --release breakpad crashpad

crashsuite=$target/release/crashsuite
mkdir -p "$out"
"$crashsuite" bench --handler reference,inproc,breakpad,crashpad --runs "$runs" --curves \
    --stackwalk "$stackwalk" --out "$out" "$@" | tee "$out/bench.txt"

echo
echo "bench: the matrix (reference and in-process, release, warm):"
"$crashsuite" run --handler reference,inproc > /dev/null 2>&1 || true
"$crashsuite" run --handler reference,inproc 2>/dev/null | tail -1
