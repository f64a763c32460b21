#!/usr/bin/env bash
# Builds the case executable, the reference monitor and its pid check's
# forged client (examples/forged_request.rs) for Windows (x86_64-pc-windows-gnu) with
# Debian's rustc, building the standard library from its sources
# (-Zbuild-std; rustup's toolchain has no Windows standard library here and
# stays the default), linked by mingw-w64, into
# <target dir>/x86_64-pc-windows-gnu/<profile>/, where
# `crashsuite run --os windows` looks. Extra arguments go to cargo (for
# example --release). Runs scripts/windows/setup.sh first; with --if-set-up
# as the first argument, does nothing unless the set-up has been done
# (scripts/test.sh uses this).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${1:-}" = --if-set-up ]; then
    shift
    cache="${CRASHSUITE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/crashsuite}/windows"
    [ -e "$cache/prefix/.ready" ] || exit 0
fi
scripts/windows/setup.sh >/dev/null
export PATH="$(getconf PATH)"
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
cargo build --locked --target x86_64-pc-windows-gnu -Zbuild-std=std,panic_abort \
    -p crashsuite-handler --bin crashsuite-case --bin crashsuite-monitor --example forged_request "$@"
