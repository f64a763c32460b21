#!/usr/bin/env bash
# The test command: every unit and integration test, and one crash trial per
# (handler, case). Extra arguments go to nextest (for example `--profile ci`).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo nextest run --workspace "$@"
