#!/usr/bin/env bash
# One job of the CI matrix (ci/workflows/ci.yml), as CI runs it; locally it
# reproduces the job where the machine can (a job for another system says so
# and stops).
#
#   scripts/ci-job.sh build-linux              lints, builds, archives the tests
#   scripts/ci-job.sh linux-x86_64 K/N         partition K of N from that archive
#   scripts/ci-job.sh linux-aarch64-native     .ci/run on an aarch64 host
#   scripts/ci-job.sh linux-debian             .ci/run with every tier (Debian)
#   scripts/ci-job.sh windows | macos          tests and matrix on that system
#   scripts/ci-job.sh gate DIR                 every results.json under DIR
#                                              against the baselines in golden/
#
# Artifacts go to target/artifacts; with GITHUB_STEP_SUMMARY set, the
# Markdown matrix (and the gate's findings) go to the job summary.
set -euo pipefail
cd "$(dirname "$0")/.."
job=${1:-}
shift || true
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export CRASHSUITE_ARTIFACTS="${CRASHSUITE_ARTIFACTS:-$CARGO_TARGET_DIR/artifacts}"
mkdir -p "$CRASHSUITE_ARTIFACTS"
summary="${GITHUB_STEP_SUMMARY:-$CRASHSUITE_ARTIFACTS/summary.md}"

needs() {
    local os=$1 arch=${2:-}
    if [ "$(uname -s)" != "$os" ] || { [ -n "$arch" ] && [ "$(uname -m)" != "$arch" ]; }; then
        echo "ci-job: $job runs on $os${arch:+ $arch}, not on $(uname -s) $(uname -m)" >&2
        exit 2
    fi
}

# The Markdown matrix of a run, into the summary.
post() {
    [ -f "$1/matrix.md" ] && cat "$1/matrix.md" >> "$summary"
    return 0
}

# The conformance tests on a system whose goldens are not in golden/ yet:
# they record the digests (as .snap.new, uploaded for review) instead of
# comparing them, and say so in the summary.
goldens_or_record() {
    local label=$1
    if ! ls -d golden/*/"$label" >/dev/null 2>&1; then
        echo "No goldens for $label yet: this run records them (golden/**/*.snap.new) and compares none." \
            | tee -a "$summary" >&2
        export INSTA_UPDATE=new INSTA_FORCE_PASS=1
    fi
}

case "$job" in
    build-linux)
        needs Linux x86_64
        scripts/setup.sh
        cargo fmt --all --check
        scripts/check-deps.sh
        cargo clippy --workspace --all-targets --locked -- -D warnings
        cargo build --workspace --bins --locked
        scripts/archive.sh build "$CARGO_TARGET_DIR/crashsuite-tests.tar.zst"
        ;;
    linux-x86_64)
        needs Linux x86_64
        partition=${1:?a partition, such as 1/2}
        scripts/setup.sh
        export CRASHSUITE_REQUIRE_BROWSER=1
        scripts/archive.sh run "$CARGO_TARGET_DIR/crashsuite-tests.tar.zst" --profile ci \
            --partition "count:$partition"
        if [ "${partition%/*}" = 1 ]; then
            # The main job, from the archive's executables.
            "$CARGO_TARGET_DIR/crashsuite-tests-extracted/target/debug/crashsuite" run \
                --report "$CRASHSUITE_ARTIFACTS/matrix"
            post "$CRASHSUITE_ARTIFACTS/matrix"
        fi
        ;;
    linux-aarch64-native)
        needs Linux aarch64
        CRASHSUITE_SKIP_WINDOWS=1 CRASHSUITE_SKIP_CROSSCHECK=1 bash .ci/run
        post "$CRASHSUITE_ARTIFACTS/matrix"
        ;;
    linux-debian)
        needs Linux x86_64
        bash .ci/run
        for run in matrix matrix-aarch64 matrix-windows; do post "$CRASHSUITE_ARTIFACTS/$run"; done
        [ -f "$CRASHSUITE_ARTIFACTS/gate.md" ] && cat "$CRASHSUITE_ARTIFACTS/gate.md" >> "$summary"
        ;;
    windows | macos)
        case "$job" in
            windows)
                [ "${OS:-}" = Windows_NT ] || needs Windows
                label=windows-x86_64
                # The reference monitor runs on Windows (a named pipe).
                handlers=reference,inproc
                ;;
            macos)
                needs Darwin
                label=macos-$([ "$(uname -m)" = arm64 ] && echo aarch64 || uname -m)
                handlers=inproc
                ;;
        esac
        goldens_or_record "$label"
        cargo nextest run --workspace --profile ci --locked
        cargo run --release --locked -p crashsuite -- run --handler "$handlers" \
            --report "$CRASHSUITE_ARTIFACTS/matrix"
        post "$CRASHSUITE_ARTIFACTS/matrix"
        ;;
    gate)
        dir=${1:?the directory holding the results.json files of the runs}
        status=0
        while IFS= read -r results; do
            label=$(sed -n 's/^  "label": "\(.*\)",$/\1/p' "$results")
            baselines=()
            for handler in $(sed -n 's/^      "handler": "\(.*\)",$/\1/p' "$results" | sort -u); do
                file="golden/$handler/$label/baseline.json"
                [ -f "$file" ] && baselines+=(--baseline "$file")
            done
            if [ ${#baselines[@]} -eq 0 ]; then
                echo "No baselines for $label yet: $results is not gated." | tee -a "$summary"
                continue
            fi
            cargo run -q --locked -p crashsuite -- gate "${baselines[@]}" --results "$results" \
                --markdown >> "$summary" || status=1
        done < <(find "$dir" -name results.json | sort)
        exit $status
        ;;
    *)
        echo "usage: scripts/ci-job.sh build-linux | linux-x86_64 K/N | linux-aarch64-native |" \
            "linux-debian | windows | macos | gate DIR" >&2
        exit 2
        ;;
esac
