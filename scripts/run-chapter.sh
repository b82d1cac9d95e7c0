#!/usr/bin/env bash
# The main job: installs what is missing, fetches MNIST, builds, and runs the chapter's
# examples on the real data. Figures go to out/ (or the folder given with --out DIR).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/out"
[ "${1:-}" = "--out" ] && out="$2"

"$root/scripts/install-deps.sh"
"$root/scripts/fetch-data.sh"
"$root/scripts/build.sh"
mkdir -p "$out"

echo
echo "== 9.2 Dense autoencoder =="
"$root/build/examples/ch9_1_dense_autoencoder" --data "$root/data/mnist" --out "$out"
