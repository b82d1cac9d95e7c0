#!/usr/bin/env bash
# autoenc against PyTorch on the chapter's autoencoders, side by side on this machine: the same
# models, data, batch size and thread count, alternating runs so that drift in the machine's
# speed hits both alike. Prints each run and the ratio of the best epochs.
#   bench/compare/run.sh [--model dense|cnn-relu|cnn-elu|all] [--threads N] [--rounds N]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
threads=2
rounds=2
models="dense cnn-relu cnn-elu"
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --model) [ "$2" = all ] || models="$2"; shift 2 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

"$root/scripts/install-deps.sh" --bench
"$root/scripts/fetch-data.sh" >/dev/null
"$root/scripts/build.sh" >/dev/null

# The environment may pin OpenBLAS to an older kernel (OPENBLAS_CORETYPE) that halves its
# speed; PyTorch's products go through OpenBLAS, so unset it for a fair comparison.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
# Debian's torch calls the system BLAS; OpenBLAS's OpenMP build shares torch's OpenMP threads
# (the pthread build fights them for the cores and is 3-4 times slower here).
blas_dir=/usr/lib/x86_64-linux-gnu/openblas-openmp

seconds() { awk "/$1_seconds_per_epoch/ {print \$2}"; }
summary=()
for model in $models; do
  case "$model" in
    dense) ours=("$root/build/bench/dense_autoencoder_epoch"); theirs=("$root/bench/compare/dense_autoencoder_torch.py") ;;
    cnn-relu|cnn-elu)
      act="${model#cnn-}"
      ours=("$root/build/bench/cnn_autoencoder_epoch" --activation "$act")
      theirs=("$root/bench/compare/cnn_autoencoder_torch.py" --activation "$act" --channels-last) ;;
    *) echo "run.sh: unknown model '$model'" >&2; exit 2 ;;
  esac
  best_ae=999 best_torch=999
  for r in $(seq "$rounds"); do
    ae=$("${ours[@]}" --threads "$threads" --epochs 2 | tee /dev/stderr | seconds autoenc)
    torch=$(LD_LIBRARY_PATH="$blas_dir" /usr/bin/python3 "${theirs[@]}" --threads "$threads" --epochs 2 2>/dev/null |
            tee /dev/stderr | seconds torch)
    best_ae=$(awk -v a="$ae" -v b="$best_ae" 'BEGIN {print (a < b) ? a : b}')
    best_torch=$(awk -v a="$torch" -v b="$best_torch" 'BEGIN {print (a < b) ? a : b}')
  done
  summary+=("$(awk -v m="$model" -v a="$best_ae" -v t="$best_torch" \
    'BEGIN {printf "%-9s autoenc %6.3f s/epoch (%5.1f ms/step)   pytorch %6.3f s/epoch (%5.1f ms/step)   pytorch/autoenc %.2f", m, a, a / 235 * 1000, t, t / 235 * 1000, t / a}')")
done
echo
echo "threads: $threads, best of $rounds rounds of 2 epochs"
printf '%s\n' "${summary[@]}"
