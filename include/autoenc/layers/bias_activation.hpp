/// @file
/// The element-wise ends of Dense and the convolutions, shared: a bias per output channel and
/// the activation, forward and backward, over a (rows, channels) block.
///
///     forward:   y[r, c] = f(z[r, c] + b[c])                 (in place: z comes in as y)
///     backward:  dz[r, c] = dy[r, c] f'(z[r, c]),   db[c] = sum over r of dz[r, c]   (db: if asked)
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>

#include "../core/parallel.hpp"
#include "activation.hpp"

namespace autoenc {
namespace detail {

// About 16k elements per chunk: enough to amortise the threading, small enough to spread.
inline Index rows_per_chunk(Index channels) { return std::max<Index>(1, 16384 / std::max<Index>(channels, 1)); }

/// The forward end over `rows` rows, on the calling thread.
template <class T>
void add_bias_and_activate_rows(T* y, Index rows, Index channels, const T* bias, Activation activation) {
  for (Index r = 0; r < rows; ++r) {
    T* row = y + r * channels;
    for (Index c = 0; c < channels; ++c) row[c] += bias[c];
  }
  activation_forward(activation, y, rows * channels);
}

template <class T>
void add_bias_and_activate(T* y, Index rows, Index channels, const T* bias, Activation activation) {
  parallel_for_range(rows, rows_per_chunk(channels), [&](Index r0, Index r1) {
    add_bias_and_activate_rows(y + r0 * channels, r1 - r0, channels, bias, activation);
  });
}

template <class T>
void activation_and_bias_backward(const T* y, const T* dy, T* dz, Index rows, Index channels, Activation activation,
                                  T* bias_grad) {
  parallel_for_range(rows, rows_per_chunk(channels), [&](Index r0, Index r1) {
    activation_backward(activation, y + r0 * channels, dy + r0 * channels, dz + r0 * channels, (r1 - r0) * channels);
  });
  if (!bias_grad) return;  // the caller sums the bias gradient itself
  // Each bias gradient is summed over the rows in order by one thread (deterministic).
  constexpr Index kChannelsPerChunk = 256;
  parallel_for_range(channels, kChannelsPerChunk, [&](Index c0, Index c1) {
    T* __restrict db = bias_grad;
    std::fill(db + c0, db + c1, T(0));
    for (Index r = 0; r < rows; ++r) {
      const T* __restrict row = dz + r * channels;
      for (Index c = c0; c < c1; ++c) db[c] += row[c];
    }
  });
}

}  // namespace detail
}  // namespace autoenc
