#!/usr/bin/env bash
# Fails when the build holds two copies of a crate whose types cross the crash
# side's crates: `CrashContext` (crash-context) goes from crash-handler through
# minidumper to minidump-writer, so a second copy breaks the build or the ABI.
set -euo pipefail
cd "$(dirname "$0")/.."
# With --prefix depth, the duplicated crates themselves are the depth-0 lines.
dups=$(cargo tree --workspace --duplicates --target all -e normal,build --prefix depth \
    | grep -E '^0(crash-context|minidump-writer|minidumper|crash-handler) ' | sort -u || true)
if [ -n "$dups" ]; then
    echo "check-deps: more than one version of a crash-side crate:" >&2
    echo "$dups" >&2
    exit 1
fi
echo "check-deps: one crash-context, one minidump-writer"
