/// @file
/// gemm_short_inner: C = A B when the inner dimension is shorter than 8, in one pass over C,
/// with the caller's finishing step (bias, activation) run on each block of rows while it is
/// still in cache. The bits are those of gemm (gemm.hpp) on Eigen 3.4's kernels.
///
/// Where it applies: a convolution whose patch is 2 x 2 over one channel (the first layer of an
/// image autoencoder: 4 values per output pixel), and the input gradient of a transposed
/// convolution with one output channel (the last layer). Their products have millions of
/// results and 4 multiply-adds per result, so their time is the time to write C. gemm writes C
/// three times: its tile is zero-filled, Eigen's kernel reads and adds to it, and the
/// bias and activation pass reads and writes it once more. Here each result is computed in a
/// register and stored once.
///
/// Same bits: for an inner dimension below Eigen's unrolling depth of 8, its kernel sums each
/// result in one register, in order,
///
///     acc = fma(a[k-1], b[k-1], ... fma(a[1], b[1], fma(a[0], b[0], 0)))
///
/// and then adds acc to the zero-filled C (acc + 0, which turns -0 into +0). The loop below does
/// the same fused multiply-adds with Eigen's own pmadd (a multiply and an add where the CPU has
/// no FMA, as Eigen's kernel then does), so the change of path moves no bit of any result
/// (tests/test_conv.cpp compares the two bit for bit).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>

#include "config.hpp"
#include "parallel.hpp"

namespace autoenc {
namespace detail {

/// Longest inner dimension gemm_short_inner takes.
constexpr Index kShortInnerMax = 7;

/// True when gemm_short_inner can compute an (m x n) = (m x k)(k x n) product: k < 8 and n a
/// whole number of Eigen packets (the packets of a row are then those of Eigen's kernel).
template <class T>
bool gemm_short_inner_applies(Index k, Index n) {
  constexpr Index packet = Eigen::internal::packet_traits<T>::size;
  return k >= 1 && k <= kShortInnerMax && n > 0 && n % packet == 0;
}

/// C (m x n) = A (m x k) B (k x n), all row-major and dense (leading dimensions k, n, n);
/// then finish_rows(r0, r1) on each block of rows [r0, r1) of C, on the thread that wrote it.
/// Requires gemm_short_inner_applies<T>(k, n).
template <class T, class FinishRows>
void gemm_short_inner(Index m, Index n, Index k, const T* a, const T* b, T* c, FinishRows&& finish_rows) {
  using namespace Eigen::internal;
  using Packet = typename packet_traits<T>::type;
  constexpr Index packet = packet_traits<T>::size;
  AUTOENC_ASSERT(gemm_short_inner_applies<T>(k, n));
  // About 16 KB of C per block: finished in L1, and enough blocks to spread over the threads.
  const Index rows_per_block = std::max<Index>(1, 4096 / n);
  parallel_for_range(m, rows_per_block, [&](Index r0, Index r1) {
    const Packet zero = pset1<Packet>(T(0));
    for (Index i = r0; i < r1; ++i) {
      const T* a_row = a + i * k;
      T* c_row = c + i * n;
      for (Index j = 0; j < n; j += packet) {
        // c[i, j..] = sum over q of a[i, q] b[q, j..], one fused multiply-add per q, in order.
        Packet acc = zero;
        for (Index q = 0; q < k; ++q) acc = pmadd(ploadu<Packet>(b + q * n + j), pset1<Packet>(a_row[q]), acc);
        pstoreu(c_row + j, padd(acc, zero));  // + 0, as Eigen's kernel adds to a zeroed C
      }
    }
    finish_rows(r0, r1);
  });
}

/// The same, with nothing to finish.
template <class T>
void gemm_short_inner(Index m, Index n, Index k, const T* a, const T* b, T* c) {
  gemm_short_inner(m, n, k, a, b, c, [](Index, Index) {});
}

}  // namespace detail
}  // namespace autoenc
