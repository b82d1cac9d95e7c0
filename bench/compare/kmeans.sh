#!/usr/bin/env bash
# `autoenc kmeans` against scikit-learn's KMeans on the same .npy array, alternating runs.
#   bench/compare/kmeans.sh DATA.npy [--n-clusters 10] [--n-init 10] [--random-state 42] [--rounds 2]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="$1"; shift
k=10 n_init=10 seed=42 rounds=2
while [ $# -gt 0 ]; do
  case "$1" in
    --n-clusters) k="$2"; shift 2 ;;
    --n-init) n_init="$2"; shift 2 ;;
    --random-state) seed="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    *) echo "kmeans.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp
for algo in lloyd elkan; do
  for r in $(seq "$rounds"); do
    ours=$("$root/build/autoenc" kmeans "$data" --n-clusters "$k" --n-init "$n_init" --random-state "$seed" --algorithm "$algo")
    theirs=$(/usr/bin/python3 "$root/bench/compare/kmeans_sklearn.py" "$data" --n-clusters "$k" --n-init "$n_init" \
             --random-state "$seed" --algorithm "$algo")
    printf '%-6s autoenc %s  (%s)   scikit-learn %s  (%s)\n' "$algo" \
      "$(grep Wall <<<"$ours" | cut -d: -f2)" "$(grep inertia <<<"$ours")" \
      "$(grep Wall <<<"$theirs" | cut -d: -f2)" "$(grep inertia <<<"$theirs")"
  done
done
