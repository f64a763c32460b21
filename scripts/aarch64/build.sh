#!/usr/bin/env bash
# Cross-builds the case executable and the monitor for aarch64 Linux with
# Debian's rustc (rustup's toolchain has no aarch64 standard library here and
# stays the default), into <target dir>/aarch64-unknown-linux-gnu/<profile>/,
# where `crashsuite run --arch aarch64` looks. Extra arguments go to cargo
# (for example --release). Runs scripts/aarch64/setup.sh first; with
# --if-set-up as the first argument, does nothing unless the set-up has
# already been done (scripts/test.sh uses this). Nothing to do on an aarch64
# host, whose native build is the aarch64 one.
set -euo pipefail
cd "$(dirname "$0")/../.."

[ "$(uname -m)" = aarch64 ] && exit 0
if [ "${1:-}" = --if-set-up ]; then
    shift
    cache="${CRASHSUITE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/crashsuite}/aarch64"
    [ -e "$cache/Image" ] || exit 0
fi
cache=$(scripts/aarch64/setup.sh | tail -n1)
target=aarch64-unknown-linux-gnu
# Debian's cargo and rustc are in the system bin directory, behind rustup's
# shims on PATH.
system_path=$(getconf PATH)
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export CXX_aarch64_unknown_linux_gnu=aarch64-linux-gnu-g++
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
# With --target, RUSTFLAGS applies to the target's crates only: build scripts
# and proc macros still use Debian's own x86_64 standard library.
export RUSTFLAGS="--sysroot=$cache/sysroot/usr"
PATH="$system_path" /usr/bin/cargo build --locked --target "$target" \
    -p crashsuite-handler --bins "$@"
