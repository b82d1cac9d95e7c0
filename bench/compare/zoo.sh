#!/usr/bin/env bash
# The autoencoder zoo (examples/ae_*.cpp, docs/zoo.md) against its PyTorch twins
# (bench/compare/zoo_torch.py): the same model, data, epochs, batch size, seed and thread count,
# ours and PyTorch's alternating for each seed so that drift in the machine's speed hits both
# alike. Prints each run's result, then one table.
#
#   bench/compare/zoo.sh [--models "simple sparse deep conv denoising"] [--epochs N] [--seeds N]
#                        [--threads N] [--train-limit N] [--build-dir DIR] [--jobs N]
#
# Models: simple, sparse, deep, conv, denoising, and vae (examples/ae_vae.cpp against
# vae_torch.py; only when asked). Defaults: those five models, 2 epochs, 1 seed (seeds 1..N),
# 2 threads, all 60,000 training images, the examples built (if missing or out of date) in
# build/. The test loss is always on the 10,000 test images. A full-length comparison (the
# examples' 50-100 epochs) is --epochs 50 or 100; expect hours for the convolutional models on
# two cores.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
models="simple sparse deep conv denoising"
epochs=2
seeds=1
threads=2
train_limit=0
build_dir="$root/build"
jobs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --models|--model) models="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --train-limit) train_limit="$2"; shift 2 ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "zoo.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
for m in $models; do
  case "$m" in simple|sparse|deep|conv|denoising|vae) ;; *) echo "zoo.sh: unknown model '$m'" >&2; exit 2 ;; esac
done

data="$root/data/mnist"
[ -f "$data/t10k-images-idx3-ubyte" ] || "$root/scripts/fetch-data.sh" >/dev/null
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "zoo.sh: Debian's python3 has no torch; scripts/install-deps.sh --bench installs it" >&2
  exit 1
fi

# Our examples: configured once, then brought up to date (cmake does nothing when they are).
targets=()
for m in $models; do targets+=("ae_$m"); done
[ -f "$build_dir/CMakeCache.txt" ] || cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" --target "${targets[@]}" --parallel "$jobs" >/dev/null

# The environment may pin OpenBLAS to an older kernel (OPENBLAS_CORETYPE) that halves its
# speed; PyTorch's products go through OpenBLAS, so unset it for a fair comparison.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
# Debian's torch calls the system BLAS; OpenBLAS's OpenMP build shares torch's OpenMP threads.
blas_dir=/usr/lib/x86_64-linux-gnu/openblas-openmp

logs="$(mktemp -d "${TMPDIR:-/tmp}/zoo.XXXXXX")"
value() { awk -v key="$1:" '$1 == key {v = $2} END {print v}' "$2"; }
# min..max of the numbers on stdin (one value when they agree to the printed digits).
range() { awk 'NR == 1 || $1 < lo {lo = $1} NR == 1 || $1 > hi {hi = $1}
               END {a = sprintf("%.4f", lo); b = sprintf("%.4f", hi); print (a == b) ? a : a ".." b}'; }
minimum() { awk 'NR == 1 || $1 < m {m = $1} END {printf "%.3f", m}'; }

limit_flag=()
[ "$train_limit" -gt 0 ] && limit_flag=(--train-limit "$train_limit")
echo "zoo: models '$models', $epochs epoch(s), seeds 1..$seeds, $threads thread(s), train limit $train_limit; logs in $logs"
rows=()
for m in $models; do
  ours_flags=()
  [ "$m" = sparse ] && ours_flags=(--skip-simple)  # the twin trains only the sparse model
  twin=("$root/bench/compare/zoo_torch.py" "$m")
  [ "$m" = vae ] && twin=("$root/bench/compare/vae_torch.py")  # the variational one has its own
  for s in $(seq "$seeds"); do
    "$build_dir/examples/ae_$m" --data "$data" --epochs "$epochs" --seed "$s" --threads "$threads" \
        --out "$logs/figures" "${limit_flag[@]}" "${ours_flags[@]}" >"$logs/ours_${m}_$s.txt" 2>&1
    LD_LIBRARY_PATH="$blas_dir" /usr/bin/python3 "${twin[@]}" --data "$data" \
        --epochs "$epochs" --seed "$s" --threads "$threads" "${limit_flag[@]}" >"$logs/torch_${m}_$s.txt" 2>&1
    printf '%-9s seed %-2s ours: test_loss %s, %s s/epoch   torch: test_loss %s, %s s/epoch\n' "$m" "$s" \
      "$(value test_loss "$logs/ours_${m}_$s.txt")" "$(value seconds_per_epoch "$logs/ours_${m}_$s.txt")" \
      "$(value test_loss "$logs/torch_${m}_$s.txt")" "$(value seconds_per_epoch "$logs/torch_${m}_$s.txt")"
  done
  ours_loss=$(for s in $(seq "$seeds"); do value test_loss "$logs/ours_${m}_$s.txt"; done | range)
  torch_loss=$(for s in $(seq "$seeds"); do value test_loss "$logs/torch_${m}_$s.txt"; done | range)
  ours_sec=$(for s in $(seq "$seeds"); do value seconds_per_epoch "$logs/ours_${m}_$s.txt"; done | minimum)
  torch_sec=$(for s in $(seq "$seeds"); do value seconds_per_epoch "$logs/torch_${m}_$s.txt"; done | minimum)
  rows+=("$(awk -v m="$m" -v a="$ours_loss" -v b="$torch_loss" -v x="$ours_sec" -v y="$torch_sec" \
    'BEGIN {printf "| %-9s | %-15s | %-15s | %10.3f | %10.3f | %10.2f |", m, a, b, x, y, (x > 0) ? y / x : 0}')")
done

echo
echo "$epochs epoch(s), seeds 1..$seeds, $threads thread(s); test loss min..max over seeds; s/epoch: the best seed's mean epoch"
echo "| model     | ours test_loss  | torch test_loss | ours s/ep  | torch s/ep | torch/ours |"
echo "|-----------|-----------------|-----------------|-----------:|-----------:|-----------:|"
printf '%s\n' "${rows[@]}"
