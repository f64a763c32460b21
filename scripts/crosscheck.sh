#!/usr/bin/env bash
# Type-checks and lints the workspace, tests and benches included, for the
# targets other machines build: Windows (MSVC and GNU), macOS (Apple silicon
# and Intel) and aarch64 Linux. This x86_64 Linux machine cannot link most of
# them (no vendor SDKs), but it can check them: Debian's rustc 1.96 with its
# standard library sources (rust-web-src) builds std for each target
# (-Zbuild-std), and Debian's clippy lints the code behind cfg(windows) and
# cfg(target_os = "macos") for real. rustup's toolchain stays the default.
#
#   scripts/crosscheck.sh [TARGET...]     (default: all five)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/apt.sh
APT_WHO=crosscheck

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(x86_64-pc-windows-msvc x86_64-pc-windows-gnu
    aarch64-apple-darwin x86_64-apple-darwin aarch64-unknown-linux-gnu)
# The Linux C triggers are compiled for aarch64 too (build scripts run).
# mingw: the GNU Windows target's C (criterion's alloca, for the tests).
apt_install_missing rustc-web cargo-web rust-web-src rust-web-clippy \
    gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross gcc-mingw-w64-x86-64

# Debian's cargo, rustc and clippy are in the system bin directory, behind
# rustup's shims on PATH. build-std is unstable: RUSTC_BOOTSTRAP lets a stable
# compiler take it.
export PATH="$(getconf PATH)"
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1
export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
export CXX_aarch64_unknown_linux_gnu=aarch64-linux-gnu-g++
export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
# A directory of its own: another compiler, and std rebuilt per target.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/crashsuite/target}/crosscheck"

for target in "${targets[@]}"; do
    echo "crosscheck: $target" >&2
    start=$SECONDS
    # Tests and benches need criterion, whose `alloca` dependency compiles C
    # for the target: that takes the vendor's C compiler and headers for MSVC
    # and macOS. There the libraries and executables are checked (where the
    # platform code lives); the Windows test code is checked with the GNU
    # target, whose C compiler (mingw) is here.
    case "$target" in
        *-windows-msvc | *-apple-darwin) what=(--lib --bins) ;;
        *) what=(--all-targets) ;;
    esac
    # Debian's cargo-clippy by path: cargo looks for subcommands in
    # $CARGO_HOME/bin (rustup's) before PATH.
    /usr/bin/cargo-clippy clippy --workspace "${what[@]}" --locked --target "$target" \
        -Zbuild-std=std,panic_abort -- -D warnings
    echo "crosscheck: $target checked in $((SECONDS - start)) s" >&2
done
