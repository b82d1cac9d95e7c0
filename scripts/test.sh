#!/usr/bin/env bash
# Installs what is missing, fetches MNIST (one test trains on it), builds, runs every test, then
# a short fuzzing pass over the file readers, and the chapter's quick run with its report checked
# in a headless browser.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Each stage prints how long it took, so a slow stage shows in the log.
stage() {
  local name="$1" started=$SECONDS
  shift
  "$@"
  echo "test.sh: $name took $((SECONDS - started)) s"
}
stage "installing dependencies" "$root/scripts/install-deps.sh"
stage "fetching the data" "$root/scripts/fetch-data.sh"
stage "building" "$root/scripts/build.sh"
run_tests() { (cd "$root/build" && ctest --output-on-failure --timeout 900); }
stage "the test suite" run_tests
stage "fuzzing" "$root/scripts/fuzz.sh" --seconds 5
stage "the chapter's quick run and its report in a browser" "$root/tests/browser/run.sh"
