#!/usr/bin/env bash
# Installs what a fresh machine lacks to build and test crashsuite:
# a C/C++ compiler (the C and C++ triggers), Chromium and chromedriver (the
# HTML report's browser test) and cargo-nextest (the test runner).
# Safe to run again: it only installs what is missing.
set -euo pipefail
source "$(dirname "$0")/lib/apt.sh"

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(gcc)
command -v c++ >/dev/null 2>&1 || need_apt+=(g++)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -x /usr/bin/chromedriver ] || need_apt+=(chromium-driver)
[ ${#need_apt[@]} -eq 0 ] || apt_install_missing "${need_apt[@]}"

if ! cargo nextest --version >/dev/null 2>&1; then
    echo "setup: installing cargo-nextest"
    cargo install --locked cargo-nextest
fi
for component in clippy rustfmt; do
    if ! rustup component list --installed 2>/dev/null | grep -q "^${component}"; then
        rustup component add "$component"
    fi
done
