#!/usr/bin/env bash
# The test suite built with AddressSanitizer + UndefinedBehaviorSanitizer (in build-sanitize/),
# and with assertions on: without NDEBUG, AUTOENC_ASSERT and Eigen's own range checks run too.
# Run by .ci/run after the normal build; any error report fails the run. The build of every
# test file under the sanitizers is most of the run's time, so it is made short twice: -O1
# compiles faster than -O2, and the precompiled mode compiles the layers, models and t-SNE once,
# in libautoenc_compiled (three files built side by side), instead of in every test file. That
# mode builds the library without -march=native unless the flag is in CMAKE_CXX_FLAGS, which
# reaches the library and the tests alike (and -mprefer-vector-width=256, as CMakeLists.txt
# adds for GCC 12 on AVX-512 CPUs).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/fetch-data.sh" >/dev/null
cmake -S "$root" -B "$root/build-sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
      -DAUTOENC_SANITIZE=ON -DAUTOENC_PRECOMPILED=ON \
      -DAUTOENC_NATIVE=OFF -DCMAKE_CXX_FLAGS="-march=native -mprefer-vector-width=256" \
      -DAUTOENC_BUILD_EXAMPLES=OFF -DAUTOENC_BUILD_BENCHMARKS=OFF >/dev/null
targets=(autoenc_tests autoenc_cli autoenc_no_openmp_check)
# The MPI tests' program, where MPI was found (its tests are registered then).
cmake --build "$root/build-sanitize" --target help | grep autoenc_mpi_train >/dev/null && targets+=(autoenc_mpi_train)
started=$SECONDS
cmake --build "$root/build-sanitize" --parallel "$(nproc)" --target "${targets[@]}"
echo "test-sanitizers.sh: building took $((SECONDS - started)) s"
cd "$root/build-sanitize"
# OpenMP's runtime keeps its thread pool alive at exit, which LeakSanitizer would report.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The install, header, API-reference and documentation-snippet checks compile and read files
# (the snippets are built by the normal compiler, not this build): the normal run has them.
started=$SECONDS
ctest --output-on-failure --timeout 1800 -E "install_and_find_package|headers_compile_alone|api_reference|docs_"
echo "test-sanitizers.sh: the test suite took $((SECONDS - started)) s"
