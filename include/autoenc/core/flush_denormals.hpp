/// @file
/// Subnormal numbers flushed to zero while a model trains or predicts, as TensorFlow (and so
/// Keras) does.
///
/// Why: floats below 2^-126 (1.2e-38) are "subnormal", and an x86 core multiplies them through
/// a microcode assist that costs about a hundred cycles instead of one. Autoencoders make them
/// as a matter of course: a sigmoid output that saturates towards 0 is near 1e-40, and its
/// gradient, y (1 - y) times the loss's, is smaller still. On the chapter's CNN autoencoder a
/// few hundred thousand such values per batch made the Conv2DTranspose backward pass seven
/// times slower and a training step a fifth slower. TensorFlow runs every op with the FTZ
/// (results flushed to zero) and DAZ (inputs read as zero) bits of the MXCSR register set;
/// autoenc does the same for the duration of each call into a model.
///
/// What it changes: only values below 1.2e-38 (float) or 2.2e-308 (double), which are read and
/// written as zero. A value that small cannot change a sum of anything of ordinary size, so the
/// chapter's models train to the same bits either way; a computation whose answer lives down
/// there (no autoencoder's does) can turn the flushing off with set_flush_denormals(false).
///
/// The MXCSR register belongs to each thread: the guard sets it on the calling thread and on
/// every OpenMP thread of the team that autoenc's parallel loops use, and puts each thread's
/// own value back when it ends. On processors other than x86 it does nothing.
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <vector>

#include "parallel.hpp"

#if defined(__SSE2__) || defined(_M_X64)
#include <xmmintrin.h>
#define AUTOENC_HAS_MXCSR 1
#else
#define AUTOENC_HAS_MXCSR 0
#endif

namespace autoenc {

namespace detail {
inline std::atomic<bool>& flush_denormals_setting() {
  static std::atomic<bool> on{true};
  return on;
}
}  // namespace detail

/// Whether models flush subnormal numbers to zero while they compute (default: true, as
/// TensorFlow). Takes effect at the next call into a model.
inline void set_flush_denormals(bool on) { detail::flush_denormals_setting().store(on); }
/// See set_flush_denormals.
inline bool flush_denormals() { return detail::flush_denormals_setting().load(); }

/// Sets FTZ and DAZ on this thread and on the OpenMP team for its lifetime (when
/// flush_denormals() is on), then restores every thread's own setting. Nested guards cost
/// nothing: only the outermost one on a thread touches the registers.
class FlushDenormalsGuard {
 public:
  FlushDenormalsGuard() {
#if AUTOENC_HAS_MXCSR
    if (!flush_denormals()) return;
    counted_ = true;
    if (depth()++ > 0) return;  // an outer guard on this thread has set the registers
    active_ = true;
    threads_ = team_size();
    saved_.assign(static_cast<std::size_t>(threads_), 0u);
    on_each_thread([this](int t) {
      saved_[static_cast<std::size_t>(t)] = _mm_getcsr();
      _mm_setcsr(_mm_getcsr() | kFlushToZero | kDenormalsAreZero);
    });
#endif
  }
  ~FlushDenormalsGuard() {
#if AUTOENC_HAS_MXCSR
    if (active_) on_each_thread([this](int t) { _mm_setcsr(saved_[static_cast<std::size_t>(t)]); });
    if (counted_) --depth();
#endif
  }
  FlushDenormalsGuard(const FlushDenormalsGuard&) = delete;
  FlushDenormalsGuard& operator=(const FlushDenormalsGuard&) = delete;

 private:
#if AUTOENC_HAS_MXCSR
  static constexpr unsigned kFlushToZero = 0x8000;     // MXCSR bit 15: results below the normal range become 0
  static constexpr unsigned kDenormalsAreZero = 0x40;  // MXCSR bit 6: subnormal inputs are read as 0

  /// Guards alive on this thread.
  static int& depth() {
    thread_local int d = 0;
    return d;
  }
  /// Threads of the team that parallel_for would start from here (1 inside a parallel region).
  static int team_size() {
#ifdef _OPENMP
    return omp_in_parallel() ? 1 : omp_get_max_threads();
#else
    return 1;
#endif
  }
  /// Runs f(thread number) once on each thread of that team (the same threads parallel_for
  /// gets: OpenMP keeps its threads and reuses them for teams of the same size).
  template <class F>
  void on_each_thread(F&& f) {
#ifdef _OPENMP
    if (threads_ > 1) {
#pragma omp parallel num_threads(threads_)
      f(omp_get_thread_num());
      return;
    }
#endif
    f(0);
  }

  bool counted_ = false;  // this guard added to depth()
  bool active_ = false;   // this guard set the registers and restores them
  int threads_ = 1;
  std::vector<unsigned> saved_;
#endif
};

}  // namespace autoenc
