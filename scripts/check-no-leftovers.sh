#!/usr/bin/env bash
# Fails if a crashsuite process outlived the suite: every trial must end its
# case's process group and its monitor.
set -euo pipefail
left=$(pgrep -a -f 'crashsuite-(case|monitor)' || true)
if [ -n "$left" ]; then
    echo "check-no-leftovers: processes outlived the suite:" >&2
    echo "$left" >&2
    exit 1
fi
echo "check-no-leftovers: no crashsuite process left"
