#!/usr/bin/env bash
# Fails if anything of a crashsuite run outlived the suite: every trial must
# end its case's process group and its monitor, and remove its run directory
# (crashsuite-* in $TMPDIR) unless asked to keep it. CI gives the suite a
# fresh TMPDIR, so anything found there is the suite's own.
set -euo pipefail
status=0
left=$(pgrep -a -f 'crashsuite-(case|monitor)' || true)
if [ -n "$left" ]; then
    echo "check-no-leftovers: processes outlived the suite:" >&2
    echo "$left" >&2
    status=1
fi
dirs=$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'crashsuite-*' 2>/dev/null || true)
if [ -n "$dirs" ]; then
    echo "check-no-leftovers: run directories left in ${TMPDIR:-/tmp}:" >&2
    echo "$dirs" >&2
    status=1
fi
[ $status -eq 0 ] && echo "check-no-leftovers: no crashsuite process or run directory left"
exit $status
