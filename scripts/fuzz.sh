#!/usr/bin/env bash
# Fuzzes the grader with libFuzzer: a synthesised dump corrupted by the
# mutations of harness/tests/hostile.rs, decoded from the fuzzer's input.
#
#   scripts/fuzz.sh [SECONDS] [-- LIBFUZZER_ARGS...]
#
# Runs for SECONDS (default 60; 0 = until stopped). Findings land in
# fuzz/artifacts/mutated_dump/, the corpus in fuzz/corpus/mutated_dump/.
# Needs cargo-fuzz (installed here when missing) and a nightly compiler's
# flags: a stable toolchain is used with RUSTC_BOOTSTRAP=1. Without a
# sanitizer: the code under test is safe Rust, and libFuzzer's own limits
# bound each input's time (-timeout) and memory (-rss_limit_mb, and
# -malloc_limit_mb for one allocation).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
    seconds=$1
    shift
fi
[ "${1:-}" = "--" ] && shift

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz"
    cargo install --locked cargo-fuzz
fi

target_dir=${CARGO_TARGET_DIR:-$PWD/target}
export RUSTC_BOOTSTRAP=1
exec cargo fuzz run --sanitizer none --target-dir "$target_dir/fuzz" mutated_dump -- \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=1024 "$@"
