#!/usr/bin/env bash
# The test command: every unit and integration test, and one crash trial per
# (handler, case), on this host and, when the aarch64 tier is set up
# (scripts/aarch64/setup.sh), in the emulated aarch64 machine too, whose
# executables are rebuilt first. Extra arguments go to nextest (for example
# `--profile ci`).
set -euo pipefail
cd "$(dirname "$0")/.."
if scripts/aarch64/build.sh --if-set-up; then :; fi
exec cargo nextest run --workspace "$@"
