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

/// sums[c0, c0 + kLines * line) of a (rows, channels) row-major block, the running sums held
/// in registers (a loop over a fixed count of lanes, which the compiler unrolls).
template <int kLines, class T>
void sum_rows_in_registers(const T* m, Index rows, Index channels, Index c0, T* sums) {
  constexpr Index kWidth = kLines * 64 / Index(sizeof(T));
  T acc[kWidth] = {};
  for (Index r = 0; r < rows; ++r) {
    const T* __restrict row = m + r * channels + c0;
    for (Index c = 0; c < kWidth; ++c) acc[c] += row[c];
  }
  std::copy(acc, acc + kWidth, sums + c0);
}

/// sums[c] = sum over r of m[r, c] for a (rows, channels) row-major block, each sum taken over
/// the rows in order, (((0 + m[0, c]) + m[1, c]) + ...): the same bits for any split of the
/// channels. A thread takes four cache lines of channels at a time and keeps their sums in
/// registers while the rows stream past; a layer of up to four lines of channels (64 floats)
/// stays on one thread, because two threads sharing each row's lines would fetch them twice.
template <class T>
void sum_rows_in_order(const T* m, Index rows, Index channels, T* sums) {
  constexpr Index kLine = 64 / Index(sizeof(T));  // channels per cache line
  constexpr Index kBlock = 4 * kLine;
  const bool worth_threads = rows * channels >= 65536;  // else the team costs more than it saves
  parallel_for_range(
      channels, kBlock,
      [&](Index c0, Index c1) {
        Index c = c0;
        switch ((c1 - c0) / kLine) {  // whole lines in registers
          case 4: sum_rows_in_registers<4>(m, rows, channels, c, sums); c += 4 * kLine; break;
          case 3: sum_rows_in_registers<3>(m, rows, channels, c, sums); c += 3 * kLine; break;
          case 2: sum_rows_in_registers<2>(m, rows, channels, c, sums); c += 2 * kLine; break;
          case 1: sum_rows_in_registers<1>(m, rows, channels, c, sums); c += kLine; break;
          default: break;
        }
        if (c == c1) return;
        if (c1 - c == 1) {  // one channel (a one-filter output layer): a chain of adds in a register
          T sum = 0;
          for (Index r = 0; r < rows; ++r) sum += m[r * channels + c];
          sums[c] = sum;
          return;
        }
        T* __restrict out = sums;  // the last channels, fewer than a line
        std::fill(out + c, out + c1, T(0));
        for (Index r = 0; r < rows; ++r) {
          const T* __restrict row = m + r * channels;
          for (Index j = c; j < c1; ++j) out[j] += row[j];
        }
      },
      worth_threads);
}

template <class T>
void activation_and_bias_backward(const T* y, const T* dy, T* dz, Index rows, Index channels, Activation activation,
                                  T* bias_grad) {
  parallel_for_range(rows, rows_per_chunk(channels), [&](Index r0, Index r1) {
    activation_backward(activation, y + r0 * channels, dy + r0 * channels, dz + r0 * channels, (r1 - r0) * channels);
  });
  if (!bias_grad) return;  // the caller sums the bias gradient itself
  sum_rows_in_order(dz, rows, channels, bias_grad);
}

}  // namespace detail
}  // namespace autoenc
