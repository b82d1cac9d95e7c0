#!/usr/bin/env bash
# Data-parallel training on this machine: the chapter's CNN autoencoder
# (examples/ch9_2_cnn_autoencoder.cpp) on 2 cores, as one process with 2 threads and as
# 2 MPI processes with 1 thread each, alternating so that drift in the machine's speed hits
# every configuration alike. Prints seconds per epoch, the efficiency
#     efficiency = (epoch time, 1 process x 2 threads, whole batches) / (epoch time, 2 x 1)
# and rank 0's communication per step (bytes it sent, time inside MPI).
#
#   bench/compare/mpi_efficiency.sh [--epochs N] [--rounds N] [--shards "12 2"] [--build-dir DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
epochs=2 rounds=2 shard_list="12 2" build_dir="$root/build"
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --shards) shard_list="$2"; shift 2 ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "mpi_efficiency.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
program="$build_dir/examples/ch9_2_cnn_autoencoder"
[ -x "$program" ] || { echo "mpi_efficiency.sh: build $program first (scripts/build.sh)" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "mpi_efficiency.sh: no mpirun (apt-get install openmpi-bin libopenmpi-dev)" >&2; exit 1; }
launcher=(mpirun --oversubscribe --bind-to core)
[ "$(id -u)" -eq 0 ] && launcher+=(--allow-run-as-root)
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores; $(mpirun --version | head -1)"
echo "chapter CNN (relu), all 60,000 images, batch 256, $epochs epochs per run, $rounds rounds"

declare -A best
seconds=""
per_epoch() {  # per_epoch NAME RESULTS_FILE: sets $seconds = train_seconds / epochs, keeps the best
  seconds=$(awk -F': ' -v e="$epochs" '/^train_seconds/ {printf "%.3f", $2 / e}' "$2")
  if [ -z "${best[$1]:-}" ] || awk -v a="$seconds" -v b="${best[$1]}" 'BEGIN {exit !(a < b)}'; then best[$1]=$seconds; fi
}
flags=(--activation relu --epochs "$epochs" --out "$work")
for round in $(seq "$rounds"); do
  "$program" "${flags[@]}" --threads 2 --results "$work/r.txt" >/dev/null
  per_epoch one_whole "$work/r.txt"
  echo "round $round: 1 process x 2 threads, whole batches: $seconds s/epoch"
  for s in $shard_list; do
    "$program" "${flags[@]}" --threads 2 --shards "$s" --results "$work/r.txt" >/dev/null
    per_epoch "one_$s" "$work/r.txt"
    echo "round $round: 1 process x 2 threads, $s shards: $seconds s/epoch"
    "${launcher[@]}" -np 2 "$program" "${flags[@]}" --threads 1 --shards "$s" --results "$work/r.txt" >"$work/out" 2>&1
    per_epoch "two_$s" "$work/r.txt"
    echo "round $round: 2 processes x 1 thread, $s shards: $seconds s/epoch;" \
         "$(grep -m1 'communication per step' "$work/out" | sed 's/^communication per step (rank 0): //')"
  done
done
echo
echo "best of $rounds rounds, s/epoch:"
printf "  1 x 2 threads, whole batches   %s\n" "${best[one_whole]}"
for s in $shard_list; do
  eff=$(awk -v a="${best[one_whole]}" -v b="${best[two_$s]}" 'BEGIN {printf "%.0f", 100 * a / b}')
  printf "  1 x 2 threads, %2s shards       %s\n" "$s" "${best[one_$s]}"
  printf "  2 x 1 thread,  %2s shards       %s   efficiency %s%%\n" "$s" "${best[two_$s]}" "$eff"
done
