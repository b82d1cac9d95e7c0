#!/usr/bin/env bash
# Configures and builds everything (library checks, examples, tests, benchmarks) in build/.
# Extra arguments go to cmake's configure step, e.g. scripts/build.sh -DAUTOENC_NATIVE=OFF
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$root/build" --parallel "$(nproc)"
