#!/usr/bin/env bash
# The test command: every unit and integration test, and one crash trial per
# (handler, case), on this host and, when the aarch64 tier is set up
# (scripts/aarch64/setup.sh), in the emulated aarch64 machine too, and when
# the Windows tier is (scripts/windows/setup.sh), under Wine; their
# executables are rebuilt first. Extra arguments go to nextest (for example
# `--profile ci`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/aarch64/build.sh --if-set-up
scripts/windows/build.sh --if-set-up
exec cargo nextest run --workspace "$@"
