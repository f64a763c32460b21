#!/usr/bin/env bash
# Build once, run elsewhere: the nextest archive flow CI uses to build the
# tests on one machine and run them, partitioned, on others.
#
#   scripts/archive.sh build FILE            archive the workspace's tests and
#                                            executables (cargo nextest archive)
#   scripts/archive.sh run FILE [ARGS...]    run them from FILE in this checkout
#                                            (same revision; ARGS go to nextest,
#                                            e.g. --partition count:1/2)
#   scripts/archive.sh check                 both, into a scratch directory, with
#                                            a few trials: what .ci/run does to
#                                            test the flow
#
# The archive holds the test binaries and the case, monitor and crashsuite
# executables; the trials of handlers built elsewhere (the alternates, the
# aarch64 and Windows builds) are listed as not run from an archive.
set -euo pipefail
cd "$(dirname "$0")/.."
command=${1:-}
shift || true
case "$command" in
    build)
        cargo nextest archive --workspace --locked --archive-file "$1"
        ;;
    run)
        file=$1
        shift
        # The extracted target directory is the archive's own, beside the
        # file; the checkout supplies the sources and golden/.
        extract="${file%.tar.zst}-extracted"
        rm -rf "$extract"
        mkdir -p "$extract"
        cargo nextest run --archive-file "$file" --workspace-remap . --extract-to "$extract" \
            --extract-overwrite "$@"
        ;;
    check)
        scratch=$(mktemp -d)
        trap 'rm -rf "$scratch"' EXIT
        scripts/archive.sh build "$scratch/tests.tar.zst"
        # Crash trials and the catalogue's tests, run from the archive.
        scripts/archive.sh run "$scratch/tests.tar.zst" --no-tests=fail \
            -E 'test(/^(reference|inproc)::(abort|segv_null_write|dump_on_request)$/) | package(crashsuite-cases)'
        ;;
    *)
        echo "usage: scripts/archive.sh build FILE | run FILE [NEXTEST ARGS] | check" >&2
        exit 2
        ;;
esac
