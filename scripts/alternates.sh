#!/usr/bin/env bash
# Builds the alternate handlers' case executables (each its own package in
# alternates/, with its own lock file) into the workspace's target directory,
# where the harness finds them next to its own.
#
#   scripts/alternates.sh [--release] [HANDLER...]
#
# HANDLER is breakpad or crashpad (default: both). Installs what each needs
# and is missing. Nothing here configures an upload: every handler writes to
# local directories only.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=(); profile_dir=debug
if [ "${1:-}" = "--release" ]; then
    profile=(--release); profile_dir=release; shift
fi
handlers=("$@")
[ ${#handlers[@]} -gt 0 ] || handlers=(breakpad crashpad)

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
bin_dir="$CARGO_TARGET_DIR/$profile_dir"

build() {
    cargo build --locked "${profile[@]}" --manifest-path "alternates/$1/Cargo.toml"
}

for handler in "${handlers[@]}"; do
    case "$handler" in
        breakpad)
            # Breakpad's client is built from sources vendored in breakpad-sys.
            build breakpad
            ;;
        *)
            echo "alternates: unknown handler $handler (expected breakpad or crashpad)" >&2
            exit 2
            ;;
    esac
    echo "alternates: $handler built into $bin_dir"
done
