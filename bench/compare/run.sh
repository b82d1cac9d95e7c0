#!/usr/bin/env bash
# autoenc against PyTorch on the chapter's Dense autoencoder, side by side on this machine:
# the same model, data, batch size and thread count, alternating runs so that drift in the
# machine's speed hits both alike. Prints each run and the ratio of the best epochs.
#   bench/compare/run.sh [--threads N] [--rounds N]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
threads=2
rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    *) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

"$root/scripts/install-deps.sh" --bench
"$root/scripts/fetch-data.sh" >/dev/null
"$root/scripts/build.sh" >/dev/null

# The environment may pin OpenBLAS to an older kernel (OPENBLAS_CORETYPE) that halves its
# speed; PyTorch's products go through OpenBLAS, so unset it for a fair comparison.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
# Debian's torch calls the system BLAS; use OpenBLAS's OpenMP build, like torch's own threads.
blas_dir=/usr/lib/x86_64-linux-gnu/openblas-openmp

best_ae=999 best_torch=999
for r in $(seq "$rounds"); do
  ae=$("$root/build/bench/dense_autoencoder_epoch" --threads "$threads" --epochs 2 | tee /dev/stderr |
       awk '/autoenc_seconds_per_epoch/ {print $2}')
  torch=$(LD_LIBRARY_PATH="$blas_dir" /usr/bin/python3 "$root/bench/compare/dense_autoencoder_torch.py" \
            --threads "$threads" --epochs 2 2>/dev/null | tee /dev/stderr | awk '/torch_seconds_per_epoch/ {print $2}')
  best_ae=$(awk -v a="$ae" -v b="$best_ae" 'BEGIN {print (a < b) ? a : b}')
  best_torch=$(awk -v a="$torch" -v b="$best_torch" 'BEGIN {print (a < b) ? a : b}')
done
echo
echo "threads: $threads, best of $rounds rounds"
echo "autoenc: $best_ae s/epoch ($(awk -v s="$best_ae" 'BEGIN {printf "%.2f", s / 235 * 1000}') ms/step)"
echo "pytorch: $best_torch s/epoch ($(awk -v s="$best_torch" 'BEGIN {printf "%.2f", s / 235 * 1000}') ms/step)"
echo "pytorch / autoenc: $(awk -v a="$best_ae" -v t="$best_torch" 'BEGIN {printf "%.2f", t / a}')"
