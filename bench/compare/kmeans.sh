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
  best_ours=999 best_theirs=999
  for r in $(seq "$rounds"); do
    ours=$("$root/build/autoenc" kmeans "$data" --n-clusters "$k" --n-init "$n_init" --random-state "$seed" --algorithm "$algo")
    theirs=$(/usr/bin/python3 "$root/bench/compare/kmeans_sklearn.py" "$data" --n-clusters "$k" --n-init "$n_init" \
             --random-state "$seed" --algorithm "$algo")
    wall_ours=$(awk '/Wall time/ {print ($4 == "ms") ? $3 / 1000 : $3}' <<<"$ours")
    wall_theirs=$(awk '/Wall time/ {print $3}' <<<"$theirs")
    printf '%-6s autoenc %6.2f s (%s)   scikit-learn %6.2f s (%s)\n' "$algo" "$wall_ours" "$(grep inertia <<<"$ours")" \
      "$wall_theirs" "$(grep inertia <<<"$theirs")"
    best_ours=$(awk -v a="$wall_ours" -v b="$best_ours" 'BEGIN {print (a < b) ? a : b}')
    best_theirs=$(awk -v a="$wall_theirs" -v b="$best_theirs" 'BEGIN {print (a < b) ? a : b}')
  done
  printf '%-6s best: autoenc %.2f s, scikit-learn %.2f s, autoenc / scikit-learn = %.2f\n' "$algo" "$best_ours" \
    "$best_theirs" "$(awk -v a="$best_ours" -v b="$best_theirs" 'BEGIN {print a / b}')"
done
