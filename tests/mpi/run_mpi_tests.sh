#!/usr/bin/env bash
# The MPI tests, run by ctest when autoenc::mpi is built:
#   run_mpi_tests.sh same-bits PROGRAM N...   training on N processes = one process, byte for byte
#   run_mpi_tests.sh kmeans PROGRAM N...      KMeans on N processes = one process
#   run_mpi_tests.sh faults PROGRAM N...      a bad file, NaN or a killed process ends the job: a
#                                             message, a non-zero exit, no hang
#   run_mpi_tests.sh resume PROGRAM N         a checkpoint written before a process was killed
#                                             resumes to the bytes of an uninterrupted run
# PROGRAM is tests/mpi/mpi_train.cpp built. MPIEXEC may name mpirun.
set -uo pipefail

mode=$1 program=$2
shift 2
counts=("$@")
mpiexec=${MPIEXEC:-mpirun}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# Open MPI refuses to run as root unless told, and more processes than cores unless told.
launcher=("$mpiexec" --oversubscribe)
[ "$(id -u)" -eq 0 ] && launcher+=(--allow-run-as-root)
# A hang is a failure: every run has a deadline.
deadline=120

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

same_bytes() {  # same_bytes WHAT REFERENCE FILE
  if cmp -s "$2" "$3"; then
    echo "ok: $1"
  else
    fail "$1: $3 differs from $2"
    diff <(cat "$2") <(cat "$3") | head -5
  fi
}

case "$mode" in
  same-bits)
    for model in cnn dense; do
      # One process, no mpirun, the same 12 shards: the reference.
      timeout $deadline "$program" --model "$model" --threads 1 --out "$work/ref.bin" --report "$work/ref.txt" >/dev/null ||
        fail "$model: the run without mpirun failed"
      for n in "${counts[@]}"; do
        for threads in 1 2; do
          tag="$model, $n processes x $threads threads"
          timeout $deadline "${launcher[@]}" -np "$n" "$program" --model "$model" --threads "$threads" \
            --out "$work/run.bin" --report "$work/run.txt" >/dev/null 2>"$work/err" || { fail "$tag: exit $?"; cat "$work/err"; continue; }
          same_bytes "$tag: model file" "$work/ref.bin" "$work/run.bin"
          same_bytes "$tag: losses, evaluate and predict" "$work/ref.txt" "$work/run.txt"
        done
      done
    done
    # Shards that do not divide evenly: 5 shards, and 3 (fewer than 4 processes: one has none).
    for shards in 5 3; do
      timeout $deadline "$program" --model dense --shards "$shards" --threads 1 --out "$work/ref.bin" \
        --report "$work/ref.txt" >/dev/null || fail "$shards shards: the run without mpirun failed"
      for n in "${counts[@]}"; do
        tag="dense, $shards shards on $n processes"
        timeout $deadline "${launcher[@]}" -np "$n" "$program" --model dense --shards "$shards" --threads 1 \
          --out "$work/run.bin" --report "$work/run.txt" >/dev/null 2>"$work/err" || { fail "$tag: exit $?"; cat "$work/err"; continue; }
        same_bytes "$tag: model file" "$work/ref.bin" "$work/run.bin"
        same_bytes "$tag: losses, evaluate and predict" "$work/ref.txt" "$work/run.txt"
      done
    done
    ;;
  kmeans)
    timeout $deadline "$program" --kmeans "$work/ref.npy" --report "$work/ref.txt" >/dev/null || fail "kmeans without mpirun"
    for n in "${counts[@]}"; do
      timeout $deadline "${launcher[@]}" -np "$n" "$program" --kmeans "$work/run.npy" --report "$work/run.txt" \
        >/dev/null 2>"$work/err" || { fail "kmeans on $n processes: exit $?"; cat "$work/err"; continue; }
      same_bytes "kmeans on $n processes: labels" "$work/ref.npy" "$work/run.npy"
      same_bytes "kmeans on $n processes: inertia, iterations, centres" "$work/ref.txt" "$work/run.txt"
    done
    ;;
  faults)
    for n in "${counts[@]}"; do
      last=$((n - 1))
      for fault in bad-file nan kill; do
        tag="$fault on rank $last of $n"
        start=$(date +%s)
        timeout $deadline "${launcher[@]}" -np "$n" "$program" --fail "$fault" --fail-rank "$last" --fail-epoch 1 \
          --out "$work/never.bin" >"$work/out" 2>"$work/err"
        code=$?
        seconds=$(($(date +%s) - start))
        if [ $code -eq 124 ]; then
          fail "$tag: still running after ${deadline}s (a hang)"
        elif [ $code -eq 0 ]; then
          fail "$tag: the job exited 0"
        else
          case "$fault" in
            bad-file) expect="rank $last of $n.*mpi_train_input.npy" ;;
            nan) expect="loss became NaN.*computed by process $last of $n" ;;
            kill) expect="killing this process|exited on signal 9|killed" ;;
          esac
          if grep -Eq "$expect" "$work/err"; then
            echo "ok: $tag: exit $code after ${seconds}s with the message"
          else
            fail "$tag: exit $code, but stderr lacks /$expect/:"
            head -20 "$work/err"
          fi
        fi
        [ -e "$work/never.bin" ] && fail "$tag: a model file was written"
        rm -f "$work/never.bin"
      done
    done
    ;;
  resume)
    n=${counts[0]}
    # Uninterrupted: 4 epochs.
    timeout $deadline "${launcher[@]}" -np "$n" "$program" --epochs 4 --out "$work/full.bin" --report "$work/full.txt" \
      >/dev/null 2>&1 || fail "the uninterrupted run failed"
    # The last rank is killed after epoch 2, whose checkpoint rank 0 wrote.
    timeout $deadline "${launcher[@]}" -np "$n" "$program" --epochs 4 --checkpoint "$work/ckpt" --fail kill \
      --fail-rank $((n - 1)) --fail-epoch 2 --out "$work/never.bin" >/dev/null 2>&1
    code=$?
    { [ $code -ne 0 ] && [ $code -ne 124 ]; } || fail "the killed run exited $code"
    [ -s "$work/ckpt" ] || fail "no checkpoint was written before the failure"
    ls "$work"/ckpt.* >/dev/null 2>&1 && fail "a temporary checkpoint file was left behind"
    # Resume from it, on n processes and on one.
    timeout $deadline "${launcher[@]}" -np "$n" "$program" --epochs 4 --resume "$work/ckpt" --out "$work/resumed.bin" \
      >/dev/null 2>&1 || fail "resuming on $n processes failed"
    same_bytes "resumed on $n processes = uninterrupted" "$work/full.bin" "$work/resumed.bin"
    timeout $deadline "$program" --epochs 4 --resume "$work/ckpt" --out "$work/resumed1.bin" >/dev/null 2>&1 ||
      fail "resuming on one process failed"
    same_bytes "resumed on one process = uninterrupted" "$work/full.bin" "$work/resumed1.bin"
    ;;
  *)
    echo "run_mpi_tests.sh: unknown mode '$mode'" >&2
    exit 2
    ;;
esac

if [ $failures -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all passed"
