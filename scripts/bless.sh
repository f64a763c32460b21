#!/usr/bin/env bash
# Accepts the current digests of every conformance trial as golden: rewrites
# golden/<handler>/<os>-<arch>/<case>.snap. Review the diff before committing.
# Extra arguments go to nextest (for example `-E 'test(reference::abort)'`).
set -euo pipefail
cd "$(dirname "$0")/.."
INSTA_UPDATE=always cargo nextest run -p crashsuite --test conformance "$@"
git status --short golden/
