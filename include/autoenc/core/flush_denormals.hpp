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
/// written as zero. A value that small cannot change a sum of anything of ordinary size; the
/// chapter's models and latents come out byte-identical either way (an optimizer's moments of
/// a parameter whose gradients are that small may differ). A computation whose answer lives
/// down there (no autoencoder's does) can turn the flushing off with set_flush_denormals(false);
/// flushing that the program set up itself (-ffast-math's start-up code) is left alone.
///
/// The MXCSR register belongs to each thread. The guard sets the two bits on the calling
/// thread; parallel_for (parallel.hpp) gives every thread of its team the calling thread's two
/// bits for the region, and leaves OpenMP's worker threads as the calling thread was outside
/// any guard. Only these two bits are touched: exception masks, sticky flags and the rounding
/// mode stay as they are. On processors other than x86 with SSE (and for x87 code) it does
/// nothing.
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>

/// 1 where the flush bits live in the SSE control register MXCSR (x86 with SSE2), 0 elsewhere
/// (where the flushing does nothing).
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

#if AUTOENC_HAS_MXCSR
constexpr unsigned kFlushBits = 0x8040;  // MXCSR bit 15 (FTZ: tiny results become 0), bit 6 (DAZ: tiny inputs read as 0)
/// This thread's FTZ and DAZ bits.
inline unsigned flush_bits() { return _mm_getcsr() & kFlushBits; }
/// Sets this thread's FTZ and DAZ bits, and nothing else.
inline void set_flush_bits(unsigned bits) { _mm_setcsr((_mm_getcsr() & ~kFlushBits) | bits); }
#else
constexpr unsigned kFlushBits = 0;
inline unsigned flush_bits() { return 0; }
inline void set_flush_bits(unsigned) {}
#endif

/// Guards alive on this thread, and this thread's bits from before the outermost of them.
inline int& flush_guard_depth() {
  thread_local int depth = 0;
  return depth;
}
inline unsigned& flush_bits_outside_guards() {
  thread_local unsigned bits = 0;
  return bits;
}

/// For parallel_for: made by the calling thread before a region; each thread of the team then
/// holds an OnThread for the region's duration.
class TeamFlushBits {
 public:
  TeamFlushBits()
      : inside_(flush_bits()), after_(flush_guard_depth() > 0 ? flush_bits_outside_guards() : flush_bits()) {}
  /// The region's arithmetic on this thread uses the calling thread's bits; afterwards a worker
  /// thread is left with the calling thread's bits from outside any guard.
  class OnThread {
   public:
    OnThread(const TeamFlushBits& team, bool calling_thread) : team_(team), calling_thread_(calling_thread) {
      if (!calling_thread_) set_flush_bits(team_.inside_);
    }
    ~OnThread() {
      if (!calling_thread_) set_flush_bits(team_.after_);
    }
    OnThread(const OnThread&) = delete;
    OnThread& operator=(const OnThread&) = delete;

   private:
    const TeamFlushBits& team_;
    bool calling_thread_;
  };

 private:
  unsigned inside_, after_;
};
}  // namespace detail

/// Whether models flush subnormal numbers to zero while they compute (default: true, as
/// TensorFlow). Takes effect at the next call into a model.
inline void set_flush_denormals(bool on) { detail::flush_denormals_setting().store(on); }
/// See set_flush_denormals.
inline bool flush_denormals() { return detail::flush_denormals_setting().load(); }

/// Sets FTZ and DAZ on the calling thread for its lifetime (when flush_denormals() is on), then
/// puts the thread's own two bits back. parallel_for hands the bits on to its threads.
class FlushDenormalsGuard {
 public:
  FlushDenormalsGuard() {
    if (!flush_denormals()) return;
    active_ = true;
    previous_ = detail::flush_bits();
    if (detail::flush_guard_depth()++ == 0) detail::flush_bits_outside_guards() = previous_;
    detail::set_flush_bits(detail::kFlushBits);
  }
  ~FlushDenormalsGuard() {
    if (!active_) return;
    detail::set_flush_bits(previous_);
    --detail::flush_guard_depth();
  }
  FlushDenormalsGuard(const FlushDenormalsGuard&) = delete;
  FlushDenormalsGuard& operator=(const FlushDenormalsGuard&) = delete;

 private:
  bool active_ = false;
  unsigned previous_ = 0;
};

}  // namespace autoenc
