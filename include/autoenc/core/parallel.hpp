/// @file
/// Threads: a fixed partition of the work into chunks, run with OpenMP.
///
/// Why fixed chunks: a result must not depend on the number of threads. Each chunk is computed
/// by exactly one thread with the same code path whatever the thread count, and reductions add
/// per-chunk partial results in chunk order. The same seed then gives the same bits with 1 thread
/// or 8. Eigen's own multi-threaded GEMM picks its blocking from the thread count (different
/// rounding), so autoenc keeps Eigen single-threaded and splits products itself (see gemm.hpp).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>

#include "config.hpp"
#include "flush_denormals.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace autoenc {

/// Threads used by autoenc's parallel loops (OpenMP's current maximum).
inline int num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

/// Sets the number of threads for autoenc's parallel loops. Results do not depend on it.
inline void set_num_threads(int n) {
#ifdef _OPENMP
  if (n > 0) omp_set_num_threads(n);
#else
  (void)n;
#endif
}

namespace detail {

/// Eigen must not spawn threads of its own inside our chunks: its blocking would then depend
/// on the thread count, and so would the rounding. (OpenBLAS's OpenMP build, used with
/// AUTOENC_USE_OPENBLAS, runs single-threaded inside an OpenMP parallel region by itself.)
inline void keep_eigen_single_threaded() {
  if (Eigen::nbThreads() != 1) Eigen::setNbThreads(1);
}

inline Index ceil_div(Index a, Index b) { return (a + b - 1) / b; }

}  // namespace detail

/// Calls body(chunk) for chunk in [0, n_chunks), spread over the threads.
/// Chunks may run in any order and on any thread: body must write only its own chunk's data.
/// `worth_threads` = false runs the chunks in order on the calling thread: for work too small
/// to pay for waking the threads. The result is the same either way.
template <class Body>
void parallel_for(Index n_chunks, Body&& body, bool worth_threads = true) {
  detail::keep_eigen_single_threaded();
#ifdef _OPENMP
  if (worth_threads && n_chunks > 1 && !omp_in_parallel() && omp_get_max_threads() > 1) {
    // Every thread computes with the calling thread's handling of subnormal numbers
    // (flush_denormals.hpp): the same bits whichever thread takes a chunk.
    const detail::TeamFlushBits flush_bits;
#pragma omp parallel
    {
      const detail::TeamFlushBits::OnThread on_this_thread(flush_bits, omp_get_thread_num() == 0);
#pragma omp for schedule(dynamic, 1)
      for (Index c = 0; c < n_chunks; ++c) body(c);
    }
    return;
  }
#endif
  for (Index c = 0; c < n_chunks; ++c) body(c);
}

/// Calls body(begin, end) over [0, n) cut into chunks of `chunk` elements (the last may be
/// shorter). The cut depends only on n and chunk, never on the thread count.
template <class Body>
void parallel_for_range(Index n, Index chunk, Body&& body, bool worth_threads = true) {
  const Index n_chunks = detail::ceil_div(n, chunk);
  parallel_for(
      n_chunks,
      [&](Index c) {
        const Index begin = c * chunk;
        body(begin, std::min(n, begin + chunk));
      },
      worth_threads);
}

}  // namespace autoenc
