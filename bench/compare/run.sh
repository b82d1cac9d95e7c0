#!/usr/bin/env bash
# autoenc against PyTorch on the chapter's autoencoders, side by side on this machine: the same
# models, data, batch size and thread count, alternating runs so that drift in the machine's
# speed hits both alike. Prints each run and the ratio of the best epochs.
# --busy also times every run with a competing busy process pinned to the first core (a
# compiler or a second job beside the training), and prints how much each library slows down;
# a busy run is stopped after --busy-limit seconds (default 600).
#   bench/compare/run.sh [--model dense|cnn-relu|cnn-elu|all] [--threads N] [--rounds N]
#                        [--busy] [--busy-limit SECONDS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
threads=2
rounds=2
busy=0
limit=600
models="dense cnn-relu cnn-elu"
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --model) [ "$2" = all ] || models="$2"; shift 2 ;;
    --busy) busy=1; shift ;;
    --busy-limit) limit="$2"; shift 2 ;;
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

# Shows a run's output on stderr and prints its seconds per epoch ("-" when it printed none:
# stopped at the time limit).
seconds() { awk -v key="$1_seconds_per_epoch:" '{print > "/dev/stderr"} $1 == key {s = $2} END {print (s == "") ? "-" : s}'; }
smaller() { awk -v a="$1" -v b="$2" 'BEGIN {print (a == "-") ? b : (a < b) ? a : b}'; }
# The competing process: a shell loop that never sleeps, pinned to core 0.
spinner=""
start_spinner() { taskset -c 0 bash -c 'while :; do :; done' & spinner=$!; }
stop_spinner() { [ -z "$spinner" ] || { kill "$spinner"; wait "$spinner" 2>/dev/null || true; spinner=""; }; }
trap stop_spinner EXIT

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
  # Under load a run may crawl: it is stopped after $limit seconds (2 epochs), which then
  # counts as limit / 2 seconds per epoch, a lower bound (printed with ">").
  run_ours() { timeout "$1" "${ours[@]}" --threads "$threads" --epochs 2 | seconds autoenc; }
  run_theirs() {
    LD_LIBRARY_PATH="$blas_dir" timeout "$1" /usr/bin/python3 "${theirs[@]}" --threads "$threads" --epochs 2 2>/dev/null |
      seconds torch
  }
  cap=$(awk -v l="$limit" 'BEGIN {print l / 2}')
  best_ae=999 best_torch=999 busy_ae=$cap busy_torch=$cap
  for r in $(seq "$rounds"); do
    best_ae=$(smaller "$(run_ours 3600)" "$best_ae")
    best_torch=$(smaller "$(run_theirs 3600)" "$best_torch")
    if [ "$busy" = 1 ]; then
      echo "(with a busy process on core 0)" >&2
      start_spinner
      busy_ae=$(smaller "$(run_ours "$limit")" "$busy_ae")
      busy_torch=$(smaller "$(run_theirs "$limit")" "$busy_torch")
      stop_spinner
    fi
  done
  summary+=("$(awk -v m="$model" -v a="$best_ae" -v t="$best_torch" \
    'BEGIN {printf "%-9s autoenc %6.3f s/epoch (%5.1f ms/step)   pytorch %6.3f s/epoch (%5.1f ms/step)   pytorch/autoenc %.2f", m, a, a / 235 * 1000, t, t / 235 * 1000, t / a}')")
  if [ "$busy" = 1 ]; then summary+=("$(awk -v m="$model" -v a="$best_ae" -v t="$best_torch" -v ba="$busy_ae" -v bt="$busy_torch" \
    -v cap="$cap" 'function ge(x) {return (x >= cap) ? ">" : ""}
    BEGIN {printf "%-9s busy: autoenc %s%.3f s/epoch (%s%.2fx slower)   pytorch %s%.3f s/epoch (%s%.2fx slower)", m, ge(ba), ba, ge(ba), ba / a, ge(bt), bt, ge(bt), bt / t}')"); fi
done
echo
echo "threads: $threads, best of $rounds rounds of 2 epochs"
printf '%s\n' "${summary[@]}"
