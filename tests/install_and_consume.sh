#!/usr/bin/env bash
# Installs autoenc into a temporary prefix and builds tests/consumer against it with
# find_package(autoenc); then builds the same consumer with add_subdirectory.
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cmake -S "$src" -B "$work/lib" -DAUTOENC_BUILD_TESTS=OFF -DAUTOENC_BUILD_EXAMPLES=OFF \
      -DAUTOENC_BUILD_BENCHMARKS=OFF -DAUTOENC_BUILD_TOOLS=OFF -DCMAKE_INSTALL_PREFIX="$work/prefix" >/dev/null
cmake --install "$work/lib" >/dev/null
test -f "$work/prefix/include/autoenc/autoenc.hpp"

cmake -S "$src/tests/consumer" -B "$work/found" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/found" >/dev/null
"$work/found/consumer"

cmake -S "$src/tests/consumer" -B "$work/embedded" -DAUTOENC_SOURCE_DIR="$src" >/dev/null
cmake --build "$work/embedded" >/dev/null
"$work/embedded/consumer"
