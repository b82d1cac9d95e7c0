#!/usr/bin/env bash
# Fuzzes the readers of untrusted files (IDX plain and .gz, .npy, saved models) with libFuzzer,
# each for a bounded time, starting from a generated seed corpus, after replaying every input
# kept in fuzz/regressions/. Any crash, hang, leak or out-of-memory fails the run and leaves the
# input in build-fuzz/findings/.
#
#   scripts/fuzz.sh [--seconds 60]      (the test command runs a short pass: --seconds 5)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds=60
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    *) echo "fuzz.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
build="$root/build-fuzz"
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is missing (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DAUTOENC_BUILD_FUZZERS=ON \
      -DAUTOENC_BUILD_TESTS=OFF -DAUTOENC_BUILD_EXAMPLES=OFF -DAUTOENC_BUILD_BENCHMARKS=OFF -DAUTOENC_BUILD_TOOLS=OFF \
      >/dev/null
cmake --build "$build" --parallel "$(nproc)" --target fuzz_idx fuzz_npy fuzz_model make_seed_corpus
"$build/fuzz/make_seed_corpus" "$build/seeds" >/dev/null
mkdir -p "$build/findings"
# OpenMP's thread pool outlives main, which LeakSanitizer would report; the readers are
# single-threaded, so leak checking stays on for them through libFuzzer's own -detect_leaks.
export ASAN_OPTIONS=abort_on_error=1
for kind in idx npy model; do
  fuzzer="$build/fuzz/fuzz_$kind"
  corpus="$build/corpus/$kind"
  mkdir -p "$corpus"
  if compgen -G "$root/fuzz/regressions/$kind/*" >/dev/null; then  # each kept input once
    kept=("$root"/fuzz/regressions/"$kind"/*)
    "$fuzzer" -runs=0 "${kept[@]}" >"$build/replay_$kind.log" 2>&1 \
      || { tail -40 "$build/replay_$kind.log"; echo "fuzz.sh: a kept input fails fuzz_$kind again" >&2; exit 1; }
    echo "fuzz_$kind: replayed ${#kept[@]} kept inputs, no failure"
  fi
  "$fuzzer" "$corpus" "$build/seeds/$kind" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -artifact_prefix="$build/findings/$kind-" -print_final_stats=1 2>"$build/fuzz_$kind.log" \
    || { tail -40 "$build/fuzz_$kind.log"; echo "fuzz.sh: fuzz_$kind found a failure (input in $build/findings/)"; exit 1; }
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$build/fuzz_$kind.log")
  cov=$(grep -o 'cov: [0-9]*' "$build/fuzz_$kind.log" | tail -1)
  echo "fuzz_$kind: ${runs} executions in ${seconds} s, ${cov}, no failure"
done
