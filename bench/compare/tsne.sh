#!/usr/bin/env bash
# `autoenc tsne` against scikit-learn's TSNE with the same parameters on the same .npy array, in
# one run, alternating; prints both wall times, both KL divergences and their ratios.
#   bench/compare/tsne.sh DATA.npy [--rows 5000] [--perplexity 15] [--learning-rate 100]
#                         [--random-state 0] [--method barnes_hut] [--rounds 1] [--threads 2]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="$1"; shift
rows=5000 perplexity=15 lr=100 seed=0 method=barnes_hut rounds=1 threads=2
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    --perplexity) perplexity="$2"; shift 2 ;;
    --learning-rate) lr="$2"; shift 2 ;;
    --random-state) seed="$2"; shift 2 ;;
    --method) method="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    *) echo "tsne.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
# scikit-learn at its best: OpenBLAS's OpenMP build at full speed, every core.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS="$threads"
common=(--rows "$rows" --perplexity "$perplexity" --learning-rate "$lr" --random-state "$seed" --method "$method")
echo "t-SNE of the first $rows rows of $data: ${common[*]}, $threads threads"
seconds() { awk '/Wall time/ {print ($4 == "ms") ? $3 / 1000 : ($3 ~ /min/ ? 60 * $3 : $3)}'; }
best_ours=1e9 best_theirs=1e9
for r in $(seq "$rounds"); do
  ours=$("$root/build/autoenc" tsne "$data" "${common[@]}" --threads "$threads")
  theirs=$(/usr/bin/python3 "$root/bench/compare/tsne_sklearn.py" "$data" "${common[@]}")
  wall_ours=$(seconds <<<"$ours") wall_theirs=$(seconds <<<"$theirs")
  kl_ours=$(awk '/kl_divergence/ {print $2}' <<<"$ours") kl_theirs=$(awk '/kl_divergence/ {print $2}' <<<"$theirs")
  printf 'autoenc %7.2f s  kl_divergence %s   scikit-learn %7.2f s  kl_divergence %s\n' "$wall_ours" "$kl_ours" \
    "$wall_theirs" "$kl_theirs"
  best_ours=$(awk -v a="$wall_ours" -v b="$best_ours" 'BEGIN {print (a < b) ? a : b}')
  best_theirs=$(awk -v a="$wall_theirs" -v b="$best_theirs" 'BEGIN {print (a < b) ? a : b}')
done
printf 'best: autoenc %.2f s, scikit-learn %.2f s, time autoenc / scikit-learn = %.3f, KL autoenc / scikit-learn = %.4f\n' \
  "$best_ours" "$best_theirs" "$(awk -v a="$best_ours" -v b="$best_theirs" 'BEGIN {print a / b}')" \
  "$(awk -v a="$kl_ours" -v b="$kl_theirs" 'BEGIN {print a / b}')"
