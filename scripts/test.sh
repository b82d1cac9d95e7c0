#!/usr/bin/env bash
# Installs what is missing, fetches MNIST (one test trains on it), builds, runs every test, then
# a short fuzzing pass over the file readers, and the chapter's quick run with its report checked
# in a headless browser.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

"$root/scripts/install-deps.sh"
"$root/scripts/fetch-data.sh"
"$root/scripts/build.sh"
(cd "$root/build" && ctest --output-on-failure --timeout 900)
"$root/scripts/fuzz.sh" --seconds 5
"$root/tests/browser/run.sh"
